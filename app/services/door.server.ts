import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { BaseError, ContractFunctionRevertedError, getAddress, type Address, type PublicClient } from "viem";
import { concertTicketAbi, ticketFactoryAbi } from "~/contracts/abi";
import { checkPassTime, decodeDoorPass, type DoorPass } from "~/lib/door-pass";
import type { Db, DbHandle } from "../../db/client.server";
import { checkInConflicts, checkIns, events, tickets, ticketTiers } from "../../db/schema";
import { keccak256Bytes, passSignedByHolder } from "./door-signature.server";
import { metrics } from "./metrics.server";

/**
 * Door check-in (docs/decisions/011-door-check-in.md). A scan is verified against the pass's signature
 * (app/lib/door-pass.ts), the indexer's `tickets` table (current owner, checked in on chain, fractions
 * vault) and the event; an accepted ticket is recorded in `check_ins` at once (its primary key refuses a
 * second scan, even concurrently) and checked in on chain later, in batches, by `flushCheckIns`.
 */

export type Refusal =
  | "malformed"
  | "wrong-event"
  | "cancelled"
  | "expired"
  | "future"
  | "forged"
  | "unknown-ticket"
  | "transferred"
  | "fractional"
  | "already-checked-in";

export interface DoorEvent {
  id: string;
  slug: string;
  name: string;
  chainId: number;
  contractAddress: string | null;
  onChainId: string | null;
  status: string;
}

export interface ScanTicket {
  tokenId: string;
  tier: string | null;
  seat: number | null;
}

export type ScanResult =
  | { ok: true; reason: string; ticket: ScanTicket }
  | { ok: false; code: Refusal; reason: string; ticket: ScanTicket | null };

export interface ScanInput {
  pass: string;
  scannerId: string | null;
  gate: string;
  /** the scan's time (now for live scans; the scanner's clock for offline scans being synced) */
  scannedAt?: Date;
  /** id of an offline scan, so a retried sync is idempotent */
  scanId?: string;
}

/** The `events` columns of a DoorEvent, for every query that loads one. */
export const doorEventColumns = {
  id: events.id,
  slug: events.slug,
  name: events.name,
  chainId: events.chainId,
  contractAddress: events.contractAddress,
  onChainId: events.onChainId,
  status: events.status,
};

export async function doorEventBySlug(db: Db, slug: string): Promise<DoorEvent | null> {
  const [row] = await db
    .select(doorEventColumns)
    .from(events)
    .where(eq(events.slug, slug));
  return row ?? null;
}

function refuse(code: Refusal, reason: string, ticket: ScanTicket | null = null): ScanResult {
  metrics().checkIns.inc({ result: code });
  return { ok: false, code, reason, ticket };
}

function clock(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

export function alreadyReason(row: { scannedAt: Date; gate: string }): string {
  return `Already checked in at ${clock(row.scannedAt)}${row.gate ? ` (${row.gate})` : ""}`;
}

// ---------------------------------------------------------------------------------------------------
// Tier and seat of each ticket, for the steward's screen. They never change once a ticket is indexed (a
// seat is the ticket's rank in its tier by token id, and token ids only grow), so they are loaded once
// per event for all its tickets and kept in memory; a ticket minted after the load triggers a reload
// (at most every SEATS_RELOAD_MS), then the one-ticket query. Ownership is never cached: it is read in
// the same statement that records the check-in.
// ---------------------------------------------------------------------------------------------------

interface Seat {
  tier: string | null;
  seat: number | null;
}

interface SeatMap {
  loadedAt: number;
  seats: Map<string, Seat>;
}

const SEATS_RELOAD_MS = 2_000;
const SEATS_EVENTS = 16;
const seatMaps = new WeakMap<Db, Map<string, Promise<SeatMap>>>();

async function loadSeats(db: Db, chainId: number, contract: string): Promise<SeatMap> {
  const rows = await db
    .select({
      tokenId: tickets.tokenId,
      tierPosition: tickets.tierPosition,
      tier: ticketTiers.name,
      seat: sql<number>`row_number() over (partition by ${tickets.tierPosition} order by ${tickets.tokenId})::int`,
    })
    .from(tickets)
    .leftJoin(ticketTiers, and(eq(ticketTiers.eventId, tickets.eventId), eq(ticketTiers.position, tickets.tierPosition)))
    .where(and(eq(tickets.chainId, chainId), eq(tickets.contractAddress, contract)));
  const seats = new Map<string, Seat>();
  // A ticket without a tier has seat 0, as the one-ticket query counts it.
  for (const row of rows) seats.set(row.tokenId, { tier: row.tier ?? null, seat: row.tierPosition === null ? 0 : row.seat });
  return { loadedAt: Date.now(), seats };
}

/** The one-ticket query (a ticket the event's seat map has not seen yet). */
async function seatOfOne(db: Db, chainId: number, contract: string, tokenId: string): Promise<Seat> {
  const [row] = await db
    .select({
      tierName: ticketTiers.name,
      seat: sql<number | null>`(select count(*)::int from ${tickets} t2 where t2.chain_id = ${tickets.chainId}
        and t2.contract_address = ${tickets.contractAddress} and t2.tier_position = ${tickets.tierPosition}
        and t2.token_id <= ${tickets.tokenId})`,
    })
    .from(tickets)
    .leftJoin(ticketTiers, and(eq(ticketTiers.eventId, tickets.eventId), eq(ticketTiers.position, tickets.tierPosition)))
    .where(and(eq(tickets.chainId, chainId), eq(tickets.contractAddress, contract), eq(tickets.tokenId, tokenId)));
  return { tier: row?.tierName ?? null, seat: row?.seat ?? null };
}

async function seatOf(db: Db, chainId: number, contract: string, tokenId: string): Promise<Seat> {
  let byEvent = seatMaps.get(db);
  if (!byEvent) seatMaps.set(db, (byEvent = new Map()));
  const key = `${chainId}:${contract}`;
  let pending = byEvent.get(key);
  if (!pending) {
    if (byEvent.size >= SEATS_EVENTS) byEvent.clear();
    pending = loadSeats(db, chainId, contract);
    byEvent.set(key, pending);
    pending.catch(() => byEvent.delete(key));
  }
  let map = await pending;
  const known = map.seats.get(tokenId);
  if (known) return known;
  if (Date.now() - map.loadedAt >= SEATS_RELOAD_MS && byEvent.get(key) === pending) {
    const reload = loadSeats(db, chainId, contract);
    byEvent.set(key, reload);
    reload.catch(() => byEvent.delete(key));
    map = await reload;
    const found = map.seats.get(tokenId);
    if (found) return found;
  }
  return seatOfOne(db, chainId, contract, tokenId);
}

interface AdmitRow {
  owner: string;
  checked_in: boolean;
  fractionalized: boolean;
  inserted: boolean;
}

interface Admission {
  chain_id: number;
  contract_address: string;
  token_id: string;
  event_id: string;
  holder: string;
  scanner_id: string | null;
  gate: string;
  scanned_at: string;
  scan_id: string | null;
  n: number;
}

/**
 * One statement for a batch of scans: read each indexed ticket and, when the pass holder owns it, it is
 * not split into shares and not checked in on chain (and, for an offline scan, that scan id is not
 * recorded yet), record the check-in. The primary key turns a second check-in of a ticket, even a
 * concurrent one at another gate or on another app server, into no row. Returns, per scan, the ticket's
 * row (none: unknown ticket) and whether this scan recorded the check-in. A refusal writes nothing.
 */
async function admitBatch(db: Db, batch: Admission[]): Promise<Array<AdmitRow | null>> {
  if (batch.length === 1) return [await admitOne(db, batch[0]!)];
  const rows = (await admitStatements(db).batch.rows({ batch: JSON.stringify(batch) })) as Array<AdmitRow & { n: number }>;
  const byN = new Map(rows.map((row) => [Number(row.n), row]));
  return batch.map((a) => byN.get(a.n) ?? null);
}

/** `admitBatch` for a single scan (the usual case when the door is not busy): a simpler, cheaper plan. */
async function admitOne(db: Db, a: Admission): Promise<AdmitRow | null> {
  // The statement reads the admission's named values; `n` (the batch position) is not one of them.
  const rows = (await admitStatements(db).one.rows(a)) as AdmitRow[];
  return rows[0] ?? null;
}

/** A statement compiled once, run with named values; its rows whatever the driver (postgres.js: a list, PGlite: `{ rows }`). */
interface RawStatement {
  rows(values: object): Promise<unknown[]>;
}

/**
 * The two admission statements, turned into SQL text once per database handle and run with each scan's
 * values as named parameters (drizzle's `sql.placeholder`), as `db.execute` would run them: building the
 * SQL from drizzle's template on every statement allocated ~5 KB a scan, which the garbage collector paid
 * for in pauses.
 */
const admitStatementsByDb = new WeakMap<Db, { one: RawStatement; batch: RawStatement }>();

function admitStatements(db: Db): { one: RawStatement; batch: RawStatement } {
  let statements = admitStatementsByDb.get(db);
  if (statements) return statements;
  // What db.execute does with its SQL (drizzle-orm pg-core/db.js), once instead of per call.
  const { session, dialect } = db as unknown as {
    session: { prepareQuery(query: unknown, fields: undefined, name: undefined, arrayMode: boolean): { execute(values: Record<string, unknown>): Promise<unknown> } };
    dialect: { sqlToQuery(query: SQL): unknown };
  };
  const compile = (query: SQL): RawStatement => {
    const statement = session.prepareQuery(dialect.sqlToQuery(query), undefined, undefined, false);
    return {
      async rows(values) {
        const result = await statement.execute(values as Record<string, unknown>);
        return Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
      },
    };
  };
  /** A named parameter of the single-scan statement: one of the admission's fields. */
  const p = (name: keyof Omit<Admission, "n">) => sql.placeholder(name);
  statements = {
    one: compile(sql`
      with t as (
        select owner, checked_in, fractionalized from ${tickets}
        where chain_id = ${p("chain_id")}::int and contract_address = ${p("contract_address")}::text and token_id = ${p("token_id")}::numeric
      ), ins as (
        insert into ${checkIns} (chain_id, contract_address, token_id, event_id, holder, scanner_id, gate, scanned_at, scan_id)
        select ${p("chain_id")}::int, ${p("contract_address")}::text, ${p("token_id")}::numeric, ${p("event_id")}::uuid, ${p("holder")}::text,
          ${p("scanner_id")}::uuid, ${p("gate")}::text, ${p("scanned_at")}::timestamptz, ${p("scan_id")}::text
        from t
        where lower(t.owner) = ${p("holder")}::text and not t.fractionalized and not t.checked_in
          and (${p("scan_id")}::text is null or not exists (select 1 from ${checkIns} s where s.scan_id = ${p("scan_id")}::text))
        on conflict do nothing
        returning 1
      )
      select owner, checked_in, fractionalized, exists (select 1 from ins) as inserted from t`),
    batch: compile(sql`
      with i as (
        select * from jsonb_to_recordset(${sql.placeholder("batch")}::jsonb) as i(chain_id int, contract_address text, token_id numeric,
          event_id uuid, holder text, scanner_id uuid, gate text, scanned_at timestamptz, scan_id text, n int)
      ), t as (
        select i.*, k.owner, k.checked_in, k.fractionalized from i
        join ${tickets} k on k.chain_id = i.chain_id and k.contract_address = i.contract_address and k.token_id = i.token_id
      ), ins as (
        insert into ${checkIns} (chain_id, contract_address, token_id, event_id, holder, scanner_id, gate, scanned_at, scan_id)
        select chain_id, contract_address, token_id, event_id, holder, scanner_id, gate, scanned_at, scan_id from t
        where lower(t.owner) = t.holder and not t.fractionalized and not t.checked_in
          and (t.scan_id is null or not exists (select 1 from ${checkIns} s where s.scan_id = t.scan_id))
        on conflict do nothing
        returning chain_id, contract_address, token_id
      )
      select t.n, t.owner, t.checked_in, t.fractionalized, exists (select 1 from ins where ins.chain_id = t.chain_id
        and ins.contract_address = t.contract_address and ins.token_id = t.token_id) as inserted
      from t`),
  };
  admitStatementsByDb.set(db, statements);
  return statements;
}

/**
 * Group commit: while one admission statement runs, the scans that arrive wait and then go together in
 * the next one (up to ADMIT_BATCH), so a busy door pays the statement's fixed cost once per batch, not
 * once per scan. A lone scan goes at once (no timer). A batch never holds the same ticket or the same
 * scan id twice (the later scan waits for the next statement and then sees the first one's row), so each
 * answer is the database's, exactly as if the scans had come one by one.
 */
const ADMIT_BATCH = 200;

interface Queued {
  /** its `n` is set when it joins a batch (its position there) */
  admission: Admission;
  resolve: (row: AdmitRow | null) => void;
  reject: (error: unknown) => void;
}

const admitQueues = new WeakMap<Db, { running: boolean; items: Queued[] }>();

async function drainAdmissions(db: Db, queue: { running: boolean; items: Queued[] }) {
  try {
    while (queue.items.length) {
      const batch: Queued[] = [];
      const later: Queued[] = [];
      const keys = new Set<string>();
      for (const item of queue.items) {
        const { chain_id, contract_address, token_id, scan_id } = item.admission;
        const ticketKey = `${chain_id}:${contract_address}:${token_id}`;
        if (batch.length >= ADMIT_BATCH || keys.has(ticketKey) || (scan_id !== null && keys.has(`scan:${scan_id}`))) {
          later.push(item);
          continue;
        }
        keys.add(ticketKey);
        if (scan_id !== null) keys.add(`scan:${scan_id}`);
        batch.push(item);
      }
      queue.items = later;
      try {
        const rows = await admitBatch(
          db,
          batch.map((item, n) => {
            item.admission.n = n;
            return item.admission;
          }),
        );
        batch.forEach((item, n) => item.resolve(rows[n]!));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
  } finally {
    queue.running = false;
  }
}

function admit(db: Db, event: DoorEvent, pass: DoorPass, input: ScanInput, scannedAt: Date): Promise<AdmitRow | null> {
  let queue = admitQueues.get(db);
  if (!queue) admitQueues.set(db, (queue = { running: false, items: [] }));
  const admission = {
    chain_id: pass.chainId,
    contract_address: pass.ticket.toLowerCase(),
    token_id: pass.tokenId.toString(),
    event_id: event.id,
    holder: pass.holder.toLowerCase(),
    scanner_id: input.scannerId,
    gate: input.gate,
    scanned_at: scannedAt.toISOString(),
    scan_id: input.scanId ?? null,
    n: 0,
  };
  const pending = new Promise<AdmitRow | null>((resolve, reject) => queue.items.push({ admission, resolve, reject }));
  if (!queue.running) {
    // Start on the next turn of the event loop: requests already read from the sockets join this batch.
    queue.running = true;
    setImmediate(() => void drainAdmissions(db, queue));
  }
  return pending;
}

/**
 * Verifies one pass for `event` and, when it is good, records the check-in. Never throws for bad input:
 * every refusal is a result with a reason a door steward can read out. An admission costs one database
 * statement (`admit`, shared with the scans that arrive meanwhile); a refusal writes nothing.
 */
export async function scanPass(db: Db, event: DoorEvent, input: ScanInput): Promise<ScanResult> {
  const scannedAt = input.scannedAt ?? new Date();
  const decoded = decodeDoorPass(input.pass, keccak256Bytes);
  if (!decoded.ok) return refuse("malformed", decoded.reason);
  const { pass, signature } = decoded;
  if (!event.contractAddress || pass.chainId !== event.chainId || pass.ticket.toLowerCase() !== event.contractAddress.toLowerCase()) {
    return refuse("wrong-event", `Ticket for another event — not ${event.name}`);
  }
  if (event.status === "cancelled") return refuse("cancelled", "This event was cancelled: no entry");
  const time = checkPassTime(pass, scannedAt.getTime());
  if (!time.ok) return refuse(time.reason.startsWith("Pass expired") ? "expired" : "future", time.reason);
  if (!(await passSignedByHolder(pass, signature))) return refuse("forged", "Forged pass: the signature is not the holder's");

  const row = await admit(db, event, pass, input, scannedAt);
  if (!row) return refuse("unknown-ticket", `Ticket #${pass.tokenId} does not exist (or is not indexed yet)`);
  const contract = pass.ticket.toLowerCase();
  const tokenId = pass.tokenId.toString();
  const ticket: ScanTicket = { tokenId, ...(await seatOf(db, pass.chainId, contract, tokenId)) };
  if (row.inserted) {
    metrics().checkIns.inc({ result: "accepted" });
    return { ok: true, reason: "Welcome in", ticket };
  }
  // Not recorded: say why, in the order of the checks.
  if (row.owner.toLowerCase() !== pass.holder.toLowerCase()) {
    return refuse("transferred", "Ticket changed hands after this pass was made: the pass holder no longer owns it", ticket);
  }
  if (row.fractionalized) return refuse("fractional", "Ticket is split into shares: redeem it before the show", ticket);
  if (input.scanId) {
    const [same] = await db.select({ scanId: checkIns.scanId }).from(checkIns).where(eq(checkIns.scanId, input.scanId));
    if (same) return { ok: true, reason: "Welcome in (already synced)", ticket };
  }
  const [existing] = await db
    .select({ scannedAt: checkIns.scannedAt, gate: checkIns.gate })
    .from(checkIns)
    .where(and(eq(checkIns.chainId, pass.chainId), eq(checkIns.contractAddress, contract), eq(checkIns.tokenId, tokenId)));
  if (row.checked_in) return refuse("already-checked-in", existing ? alreadyReason(existing) : "Already checked in (on chain)", ticket);
  return refuse("already-checked-in", existing ? alreadyReason(existing) : "Already checked in", ticket);
}

// ---------------------------------------------------------------------------------------------------
// Offline: the manifest a scanner downloads, and the sync of its queued scans
// ---------------------------------------------------------------------------------------------------

export interface ManifestTicket {
  tokenId: string;
  owner: string;
  checkedIn: boolean;
  tier: string | null;
  seat: number | null;
}

export interface Manifest {
  event: { slug: string; name: string; chainId: number; contract: string | null; cancelled: boolean };
  tickets: ManifestTicket[];
  generatedAt: string;
}

export async function eventManifest(db: Db, event: DoorEvent): Promise<Manifest> {
  const rows = event.contractAddress
    ? await db
        .select({
          tokenId: tickets.tokenId,
          owner: tickets.owner,
          checkedIn: sql<boolean>`${tickets.checkedIn} or exists (select 1 from ${checkIns} c where c.chain_id = ${tickets.chainId}
            and c.contract_address = ${tickets.contractAddress} and c.token_id = ${tickets.tokenId})`,
          fractionalized: tickets.fractionalized,
          tier: ticketTiers.name,
          seat: sql<number>`row_number() over (partition by ${tickets.tierPosition} order by ${tickets.tokenId})::int`,
        })
        .from(tickets)
        .leftJoin(ticketTiers, and(eq(ticketTiers.eventId, tickets.eventId), eq(ticketTiers.position, tickets.tierPosition)))
        .where(and(eq(tickets.chainId, event.chainId), eq(tickets.contractAddress, event.contractAddress.toLowerCase())))
        .orderBy(sql`${tickets.tokenId} asc`)
    : [];
  return {
    event: { slug: event.slug, name: event.name, chainId: event.chainId, contract: event.contractAddress, cancelled: event.status === "cancelled" },
    tickets: rows
      .filter((r) => !r.fractionalized)
      .map((r) => ({ tokenId: r.tokenId, owner: r.owner, checkedIn: Boolean(r.checkedIn), tier: r.tier ?? null, seat: r.seat })),
    generatedAt: new Date().toISOString(),
  };
}

export interface QueuedScan {
  id: string;
  pass: string;
  scannedAt: string;
  gate: string;
}

export interface SyncResult {
  id: string;
  ok: boolean;
  /** the scanner let the ticket in offline but the server refuses it (e.g. let in at another gate first) */
  conflict: boolean;
  reason: string;
  tokenId: string | null;
}

/** Offline scans may be this old when synced (a long night without network). */
export const MAX_OFFLINE_AGE_MS = 24 * 3600 * 1000;

/**
 * Applies a scanner's queued offline scans in scan order. Each one is verified as at its scan time; a
 * refused one (already let in elsewhere, ticket moved) is recorded in `check_in_conflicts` and returned
 * as a conflict for the steward to follow up.
 */
export async function syncScans(db: Db, event: DoorEvent, scannerId: string | null, scans: QueuedScan[], now = Date.now()): Promise<SyncResult[]> {
  const ordered = [...scans].sort((a, b) => Date.parse(a.scannedAt) - Date.parse(b.scannedAt));
  const results: SyncResult[] = [];
  for (const scan of ordered) {
    const at = Date.parse(scan.scannedAt);
    let result: ScanResult;
    if (!Number.isFinite(at) || at > now + 60_000 || at < now - MAX_OFFLINE_AGE_MS) {
      result = { ok: false, code: "malformed", reason: "Scan time out of range (check the scanner's clock)", ticket: null };
    } else {
      result = await scanPass(db, event, { pass: scan.pass, scannerId, gate: scan.gate, scannedAt: new Date(at), scanId: scan.id });
    }
    if (!result.ok) {
      await db
        .insert(checkInConflicts)
        .values({
          eventId: event.id,
          scanId: scan.id,
          tokenId: result.ticket?.tokenId ?? null,
          scannerId,
          gate: scan.gate,
          scannedAt: Number.isFinite(at) ? new Date(at) : new Date(now),
          reason: result.reason,
        })
        .onConflictDoNothing();
    }
    results.push({ id: scan.id, ok: result.ok, conflict: !result.ok, reason: result.reason, tokenId: result.ticket?.tokenId ?? null });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------
// On chain: batched ConcertTicket.checkIn(tokenIds) by the server signer
// ---------------------------------------------------------------------------------------------------

export const CHECK_IN_BATCH = 200;

export interface FlushOptions {
  handle: DbHandle;
  client: PublicClient;
  factory: Address;
  /** the server signer's address */
  signer: Address;
  /** sends checkIn(ids) on `ticket` as the server signer and returns the mined transaction hash */
  send(ticket: Address, tokenIds: bigint[]): Promise<`0x${string}`>;
  log: (message: string) => void;
}

export interface FlushReport {
  confirmed: number;
  failed: number;
  /** contracts skipped because the server signer lacks scannerRole(eventId) */
  missingRole: string[];
}

function revertName(error: unknown): { name: string; args: readonly unknown[] } | null {
  if (!(error instanceof BaseError)) return null;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName) return { name: revert.data.errorName, args: revert.data.args ?? [] };
  return null;
}

/**
 * Checks in on chain every recorded check-in still pending, one transaction per contract and batch.
 * Idempotent and crash-safe: tickets already checked in on chain (an earlier batch whose receipt was not
 * recorded) are marked confirmed without sending again. Held under one lock so app servers take turns.
 */
export async function flushCheckIns(options: FlushOptions): Promise<FlushReport> {
  const { handle, client, log } = options;
  return handle.withLock("door:check-in-batches", async () => {
    const db = handle.db;
    const report: FlushReport = { confirmed: 0, failed: 0, missingRole: [] };
    const pending = await db
      .select({ chainId: checkIns.chainId, contract: checkIns.contractAddress, tokenId: checkIns.tokenId, onChainId: events.onChainId })
      .from(checkIns)
      .innerJoin(events, eq(events.id, checkIns.eventId))
      .where(eq(checkIns.onChain, "pending"))
      .orderBy(asc(checkIns.createdAt))
      .limit(CHECK_IN_BATCH * 5);
    const byContract = new Map<string, { onChainId: string | null; ids: bigint[] }>();
    for (const row of pending) {
      const entry = byContract.get(row.contract) ?? { onChainId: row.onChainId, ids: [] };
      entry.ids.push(BigInt(row.tokenId));
      byContract.set(row.contract, entry);
    }
    const mark = async (contract: string, ids: bigint[], values: Partial<typeof checkIns.$inferInsert>) => {
      if (!ids.length) return;
      await db
        .update(checkIns)
        .set(values)
        .where(and(eq(checkIns.contractAddress, contract), inArray(checkIns.tokenId, ids.map(String))));
    };
    for (const [contract, { onChainId, ids }] of byContract) {
      const ticket = getAddress(contract);
      if (onChainId === null) {
        await mark(contract, ids, { lastError: "event has no on-chain id" });
        continue;
      }
      const role = await client.readContract({ address: options.factory, abi: ticketFactoryAbi, functionName: "scannerRole", args: [BigInt(onChainId)] });
      const allowed = await client.readContract({ address: options.factory, abi: ticketFactoryAbi, functionName: "hasRole", args: [role, options.signer] });
      if (!allowed) {
        const message = `server signer ${options.signer} lacks scannerRole(${onChainId}) on the factory: the promoter must grant it (grantRole) before door check-ins reach the chain`;
        log(`door check-in: ${message}; ${ids.length} check-in(s) stay recorded and pending`);
        await mark(contract, ids, { lastError: message });
        report.missingRole.push(contract);
        continue;
      }
      // Already on chain (a batch sent before a crash, or a scanner wallet): nothing to send for those.
      const onChain = await Promise.all(ids.map((id) => client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "isCheckedIn", args: [id] })));
      const done = ids.filter((_, i) => onChain[i]);
      await mark(contract, done, { onChain: "confirmed", lastError: null });
      report.confirmed += done.length;
      let todo = ids.filter((_, i) => !onChain[i]);
      while (todo.length) {
        const batch = todo.slice(0, CHECK_IN_BATCH);
        try {
          await client.simulateContract({ address: ticket, abi: concertTicketAbi, functionName: "checkIn", args: [batch], account: options.signer });
        } catch (error) {
          const revert = revertName(error);
          if (revert?.name === "TicketEventCancelled") {
            await mark(contract, todo, { onChain: "failed", lastError: "event cancelled on chain" });
            report.failed += todo.length;
            break;
          }
          const bad = revert && typeof revert.args[0] === "bigint" ? (revert.args[0] as bigint) : null;
          if (bad !== null && batch.includes(bad)) {
            // One ticket cannot be checked in (fractionalized since the scan, say): record why, go on with the rest.
            await mark(contract, [bad], { onChain: "failed", lastError: revert!.name });
            report.failed += 1;
            todo = todo.filter((id) => id !== bad);
            continue;
          }
          const message = (error as Error).message.split("\n")[0]!;
          log(`door check-in: checkIn on ${ticket} would fail: ${message}`);
          await mark(contract, batch, { lastError: message });
          break;
        }
        try {
          const hash = await options.send(ticket, batch);
          await mark(contract, batch, { onChain: "confirmed", txHash: hash, lastError: null });
          report.confirmed += batch.length;
          log(`door check-in: ${batch.length} ticket(s) checked in on chain on ${ticket} (tx ${hash})`);
        } catch (error) {
          const message = (error as Error).message.split("\n")[0]!;
          log(`door check-in: sending checkIn on ${ticket} failed: ${message}`);
          await mark(contract, batch, { lastError: message });
          break;
        }
        todo = todo.slice(CHECK_IN_BATCH);
      }
    }
    return report;
  });
}
