import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { getDb, type Db } from "../../db/client.server";
import { events, eventStaff, sessions, users } from "../../db/schema";
import { doorEventBySlug, doorEventColumns, scanPass, type DoorEvent } from "./door.server";
import { clientIp, hit, tooManyRequests, waitMessage } from "./rate-limits.server";
import { sessionClaims, isPromoterOrAdmin, liveSession, requireScanner, sessionNotEnded, sessionToken, userColumns, type SessionUser } from "./session.server";

/** Velocity limits of the door (Redis-backed when REDIS_URL is set, so every app server counts together). */
export const DOOR_LIMITS = {
  /** scans per steward: a busy gate does ~20 a minute */
  scanUser: { name: "door-scan-user", points: 120, durationSec: 60 },
  /** scans per client IP (a venue's gates may share one address) */
  scanIp: { name: "door-scan-ip", points: 600, durationSec: 60 },
  /** server-signed passes per fan (one per 30-s window per ticket shown) */
  pass: { name: "door-pass", points: 30, durationSec: 60 },
};

/**
 * How long the scan route (requireDoorScan) may answer from a steward's last successful door check
 * (session row, role or event staff, the event row) for the same session cookie and event. A scan then
 * costs no database read before the check-in statement. From the middle of that time on, a scan that
 * uses the check also starts a new one in the background (refresh ahead), so a steward who keeps scanning
 * never waits for it and the checks of stewards who started together (doors open) do not all lapse in the
 * same instant. The price: signing a steward out, removing them from the staff or cancelling the event
 * takes up to this long to reach the door (docs/decisions/011-door-check-in.md).
 */
export const DOOR_AUTH_TTL_MS = 5_000;
const DOOR_AUTH_ENTRIES = 10_000;

interface DoorAuth {
  user: SessionUser;
  event: DoorEvent;
  /** the check's time + DOOR_AUTH_TTL_MS: not used after this */
  until: number;
  /** from here (at random between half and three quarters of the TTL) a scan starts the next check */
  refreshAt: number;
  /** the background check under way, if any */
  refreshing: Promise<void> | null;
}

const AUTH_KEY = Symbol.for("ticketchain.doorAuth.v2");
type DoorAuthState = {
  entries: Map<string, DoorAuth>;
  checking: Map<string, Promise<{ user: SessionUser; event: DoorEvent } | null>>;
  /** background re-checks waiting to go to the database together */
  renewals: Renewal[];
};
type GlobalWithDoorAuth = typeof globalThis & { [AUTH_KEY]?: DoorAuthState };

function authState(): DoorAuthState {
  const g = globalThis as GlobalWithDoorAuth;
  return (g[AUTH_KEY] ??= { entries: new Map(), checking: new Map(), renewals: [] });
}

/** Tests: forget the cached door checks. */
export function resetDoorAuth() {
  authState().entries.clear();
  authState().checking.clear();
}

/** Tests: wait for the background checks under way. */
export async function settleDoorAuth(): Promise<void> {
  await Promise.all([...authState().entries.values()].map((entry) => entry.refreshing));
}

/** The event named by the URL and its signed-in door staff; throws 404 / 401 / 403 Responses. */
export async function requireDoor(request: Request, slug: string | undefined): Promise<{ user: SessionUser; event: DoorEvent }> {
  const event = slug ? await doorEventBySlug(await getDb(), slug) : null;
  if (!event) throw Response.json({ error: "No such event." }, { status: 404 });
  const user = await requireScanner(request, event.id);
  return { user, event };
}

/**
 * `requireDoor` in one statement, for the scan route's checks: session, user, event and staff together
 * (requireDoor asks four times). Only says yes: null for anything else (no such event, no valid session,
 * not door staff), and the caller asks requireDoor for the exact answer.
 */
async function doorStaffOf(token: string, slug: string): Promise<{ user: SessionUser; event: DoorEvent } | null> {
  const claims = await sessionClaims(token);
  if (!claims) return null;
  const [row] = await doorStaffQuery(await getDb()).execute({ sid: claims.sid, sub: claims.sub, slug });
  return row ? doorOf(row) : null;
}

/** A row of doorStaffColumns: its user and event when the user may scan that event (promoter, admin or staff). */
function doorOf(row: { user: SessionUser; event: DoorEvent; promoterId: string; staff: boolean }): { user: SessionUser; event: DoorEvent } | null {
  return isPromoterOrAdmin(row.user, row.promoterId) || row.staff ? { user: row.user, event: row.event } : null;
}

/** The steward checks' columns (sessions ⋈ users ⋈ events): who, which event, and may they scan it. */
const doorStaffColumns = {
  user: userColumns,
  event: doorEventColumns,
  promoterId: events.promoterId,
  staff: sql<boolean>`exists (select 1 from ${eventStaff} where ${eventStaff.eventId} = ${events.id} and ${eventStaff.userId} = ${users.id})`,
};

/**
 * doorStaffOf's statement, built once per database: no query building per check. Built with drizzle's
 * unnamed `_prepare` (what `.execute()` itself calls), not `.prepare(name)`: a named query is always a
 * server-side prepared statement, an unnamed one follows DATABASE_PREPARE like every other query
 * (db/client.server.ts), so a pooler that cannot keep prepared statements still works.
 */
function buildDoorStaffQuery(db: Db) {
  const query = db
    .select(doorStaffColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(events, eq(events.slug, sql.placeholder("slug")))
    .where(liveSession(sql.placeholder("sid"), sql.placeholder("sub")));
  return (query as unknown as { _prepare(): ReturnType<typeof query.prepare> })._prepare();
}
const doorStaffQueries = new WeakMap<Db, ReturnType<typeof buildDoorStaffQuery>>();
function doorStaffQuery(db: Db) {
  let query = doorStaffQueries.get(db);
  if (!query) doorStaffQueries.set(db, (query = buildDoorStaffQuery(db)));
  return query;
}

/**
 * `requireDoor` for the scan route: a success is reused for DOOR_AUTH_TTL_MS for the same session cookie
 * and event, and renewed in the background while the steward scans. Refusals are not kept (a steward added
 * to the staff gets in at once).
 */
export async function requireDoorScan(request: Request, slug: string | undefined): Promise<{ user: SessionUser; event: DoorEvent }> {
  const token = sessionToken(request);
  const cached = cachedDoorScan(token, slug);
  return cached ? { user: cached.user, event: cached.event } : checkDoorScan(token, slug, () => request);
}

function remember(key: string, door: { user: SessionUser; event: DoorEvent }) {
  const { entries } = authState();
  const now = Date.now();
  if (entries.size >= DOOR_AUTH_ENTRIES && !entries.has(key)) {
    for (const [k, v] of entries) if (v.until <= now) entries.delete(k);
    if (entries.size >= DOOR_AUTH_ENTRIES) entries.clear();
  }
  const refreshAt = now + DOOR_AUTH_TTL_MS / 2 + Math.floor(Math.random() * (DOOR_AUTH_TTL_MS / 4));
  entries.set(key, { user: door.user, event: door.event, until: now + DOOR_AUTH_TTL_MS, refreshAt, refreshing: null });
}

/**
 * The background check of a cached entry: a yes renews it, anything else drops it (the next scan then
 * asks in the foreground and gets the exact refusal). A failure (database unreachable) keeps the entry
 * until its time is up, and the next scan after refreshAt tries again.
 */
function refresh(key: string, entry: DoorAuth, token: string, slug: string) {
  entry.refreshing = (async () => {
    const claims = await sessionClaims(token);
    const door = claims ? await renewal(claims.sid, claims.sub, slug) : null;
    const { entries } = authState();
    if (entries.get(key) !== entry) return;
    if (door) remember(key, door);
    else entries.delete(key);
  })().catch(() => {
    entry.refreshing = null;
  });
}

// ---------------------------------------------------------------------------------------------------
// Renewals in batches: no scan waits for one, so they wait up to RENEWAL_GATHER_MS for each other and go
// to the database in one statement. A door with a thousand stewards renews each every few seconds: one
// statement per renewal would be a statement for every other scan.
// ---------------------------------------------------------------------------------------------------

const RENEWAL_GATHER_MS = 50;
const RENEWAL_BATCH = 500;

interface Renewal {
  sid: string;
  sub: string;
  slug: string;
  resolve: (door: { user: SessionUser; event: DoorEvent } | null) => void;
  reject: (error: unknown) => void;
}

function renewal(sid: string, sub: string, slug: string): Promise<{ user: SessionUser; event: DoorEvent } | null> {
  const state = authState();
  return new Promise((resolve, reject) => {
    if (state.renewals.push({ sid, sub, slug, resolve, reject }) === 1) setTimeout(() => void renewBatch(), RENEWAL_GATHER_MS);
  });
}

async function renewBatch() {
  const state = authState();
  const batch = state.renewals.splice(0, RENEWAL_BATCH);
  if (state.renewals.length) setTimeout(() => void renewBatch(), 0);
  if (!batch.length) return;
  try {
    const db = await getDb();
    // Every (session, event) pair of the batch's sessions and events; each renewal picks its own.
    const rows = await db
      .select({ sid: sessions.id, sub: sessions.userId, slug: events.slug, ...doorStaffColumns })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .innerJoin(events, inArray(events.slug, [...new Set(batch.map((r) => r.slug))]))
      .where(and(inArray(sessions.id, [...new Set(batch.map((r) => r.sid))]), sessionNotEnded()));
    const found = new Map(rows.map((row) => [`${row.sid} ${row.slug}`, row]));
    for (const r of batch) {
      const row = found.get(`${r.sid} ${r.slug}`);
      r.resolve(row && row.sub === r.sub ? doorOf(row) : null);
    }
  } catch (error) {
    for (const r of batch) r.reject(error);
  }
}

/** The cached door check for this token and event, if it is still good (and its renewal started when due); no promise. */
function cachedDoorScan(token: string | null, slug: string | undefined): DoorAuth | null {
  if (!token || !slug) return null;
  const key = `${slug}\n${token}`;
  const cached = authState().entries.get(key);
  if (!cached) return null;
  const now = Date.now();
  if (cached.until <= now) return null;
  if (now >= cached.refreshAt && !cached.refreshing) refresh(key, cached, token, slug);
  return cached;
}

/** `requireDoorScan` when cachedDoorScan has no answer: the check, then kept; `request` is built only for requireDoor. */
async function checkDoorScan(token: string | null, slug: string | undefined, request: () => Request): Promise<{ user: SessionUser; event: DoorEvent }> {
  if (!token || !slug) return requireDoor(request(), slug);
  const key = `${slug}\n${token}`;
  const { checking } = authState();
  // One check per steward at a time: the scans that arrive meanwhile wait for the same answer.
  let pending = checking.get(key);
  if (!pending) {
    const check = doorStaffOf(token, slug).finally(() => {
      if (checking.get(key) === check) checking.delete(key);
    });
    checking.set(key, (pending = check));
  }
  const door = (await pending) ?? (await requireDoor(request(), slug));
  remember(key, door);
  return door;
}

/** Null when the steward may scan; otherwise a 429 JSON Response with the wait. */
export async function scanLimit(user: SessionUser, context: unknown): Promise<Response | null> {
  const wait = (await hit(DOOR_LIMITS.scanUser, user.id)) ?? (await hit(DOOR_LIMITS.scanIp, clientIp(context)));
  if (wait === null) return null;
  return tooManyRequests(wait, { ok: false, reason: `Scanning too fast: ${waitMessage(wait).replace("Too many attempts: ", "")}` });
}

const VerifySchema = z.object({
  pass: z.string({ required_error: "Send the pass text." }).min(1, "Send the pass text.").max(400, "Not a TicketChain pass"),
  gate: z.string().trim().max(40, "Gate names are at most 40 characters.").optional(),
});

/**
 * A well-formed body as VerifySchema would give it, checked by hand (every scan has one; zod's generic
 * walk cost more than the rest of the request's parsing), or null: then VerifySchema says what is wrong.
 */
function scanRequestOf(body: unknown): { pass: string; gate: string } | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const { pass, gate } = body as { pass?: unknown; gate?: unknown };
  if (typeof pass !== "string" || pass.length < 1 || pass.length > 400) return null;
  if (gate === undefined) return { pass, gate: "" };
  if (typeof gate !== "string") return null;
  const trimmed = gate.trim();
  return trimmed.length <= 40 ? { pass, gate: trimmed } : null;
}

/** A JSON answer of the verify endpoint, before it becomes a Response (or, on the fast path, bytes). */
export interface ScanAnswer {
  status: number;
  json: unknown;
}

export interface VerifyScanInput {
  /** the session cookie's token (sessionToken / sessionTokenFromCookie) */
  token: string | null;
  slug: string | undefined;
  /** the request as a Fetch Request: built only when the cached door check cannot answer */
  request: () => Request;
  /** the body parsed as JSON; rejects when it is not JSON */
  json: () => Promise<unknown>;
  clientIp: string;
}

/**
 * POST /door/:eventSlug/verify, for the Remix route (app/routes/door.$eventSlug.verify.ts) and the
 * production server's fast path in front of Express (server/door-fast-path.ts): steward check (cached),
 * body, velocity limits, then the scan. Refusals that are Responses (401 / 403 / 404, 429) are returned as
 * such; everything else as a ScanAnswer.
 */
export async function verifyScan(input: VerifyScanInput): Promise<ScanAnswer | Response> {
  const started = performance.now();
  let door: { user: SessionUser; event: DoorEvent } | null = cachedDoorScan(input.token, input.slug);
  if (!door) {
    try {
      door = await checkDoorScan(input.token, input.slug, input.request);
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  }
  let body: unknown;
  try {
    body = await input.json();
  } catch {
    return { status: 400, json: { error: "Send JSON { pass }." } };
  }
  let scan = scanRequestOf(body);
  if (!scan) {
    const parsed = VerifySchema.safeParse(body);
    if (!parsed.success) return { status: 400, json: { error: parsed.error.issues[0]!.message } };
    scan = { pass: parsed.data.pass, gate: parsed.data.gate ?? "" };
  }
  const limited = await scanLimit(door.user, { clientIp: input.clientIp });
  if (limited) return limited;
  const result = await scanPass(await getDb(), door.event, { pass: scan.pass, scannerId: door.user.id, gate: scan.gate });
  return { status: 200, json: { ok: result.ok, reason: result.reason, ticket: result.ticket, elapsedMs: Math.round(performance.now() - started) } };
}
