import { sql, type SQL } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { Db, DbHandle } from "../../db/client.server";

/**
 * The job queue: pg-boss 10 in the app's own database (PostgreSQL, or PGlite on embedded defaults).
 * pg-boss talks to the database through `{ executeSql(text, values) }`; the adapters below run its SQL
 * on the app's connection (postgres.js or PGlite), and `inTransaction(tx)` runs it inside a Drizzle
 * transaction, so a job is enqueued atomically with the state change that calls for it.
 */

export const MINT_QUEUE = "mint-ticket";
export const RESALE_FILL_QUEUE = "resale-fill";

export interface ExecuteSql {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

type PgliteClient = {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  exec(text: string): Promise<Array<{ rows: Record<string, unknown>[] }>>;
};
type PostgresJsQuery = Promise<Record<string, unknown>[]> & { simple(): Promise<Record<string, unknown>[]> };
type PostgresJsClient = {
  unsafe(text: string, values?: unknown[]): PostgresJsQuery;
  reserve(): Promise<{ unsafe(text: string): PostgresJsQuery; release(): void }>;
};

/** JSON parameters as text (as node-postgres sends them); PGlite and postgres.js pass strings through. */
const asParams = (values: unknown[] = []) =>
  values.map((v) => (v !== null && typeof v === "object" && !(v instanceof Date) && !Array.isArray(v) && !Buffer.isBuffer(v) ? JSON.stringify(v) : v));

/** pg-boss on the handle's own client (PGlite: `query` with parameters, `exec` for multi-statement set-up). */
export function handleAdapter(handle: DbHandle): ExecuteSql {
  const client = (handle.db as unknown as { $client: unknown }).$client;
  if (handle.kind === "pglite") {
    const pglite = client as PgliteClient;
    return {
      async executeSql(text, values) {
        if (values && values.length) return pglite.query(text, asParams(values));
        const results = await pglite.exec(text);
        return results[results.length - 1] ?? { rows: [] };
      },
    };
  }
  const postgres = client as PostgresJsClient;
  return {
    async executeSql(text, values) {
      if (values && values.length) return { rows: Array.from(await postgres.unsafe(text, asParams(values))) };
      // pg-boss's scripts without parameters may hold several statements wrapped in BEGIN … COMMIT: the
      // simple protocol on a connection of their own (postgres.js allows BEGIN only on a reserved one).
      const connection = await postgres.reserve();
      try {
        return { rows: Array.from(await connection.unsafe(text).simple()) };
      } finally {
        connection.release();
      }
    },
  };
}

/** Rewrites `$1 … $n` into Drizzle parameters, so the statement runs on any Drizzle session. */
export function toDrizzleSql(text: string, values: unknown[] = []): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)));
    const value = values[Number(match[1]) - 1];
    chunks.push(sql`${value === undefined ? null : value}`);
    last = match.index! + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks, sql.raw(""));
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** pg-boss's `db` option bound to a Drizzle transaction (single parameterised statements, as send() uses). */
export function inTransaction(tx: Tx | Db): ExecuteSql {
  return {
    async executeSql(text, values) {
      const result = (await tx.execute(toDrizzleSql(text, asParams(values)))) as unknown;
      return { rows: Array.isArray(result) ? Array.from(result as Record<string, unknown>[]) : (result as { rows: Record<string, unknown>[] }).rows };
    },
  };
}

export async function startQueue(handle: DbHandle): Promise<PgBoss> {
  const boss = new PgBoss({
    db: handleAdapter(handle),
    schema: "pgboss",
    // No cron schedules; maintenance (expiring stuck jobs so they retry) every 30 s.
    schedule: false,
    supervise: true,
    maintenanceIntervalSeconds: 30,
  });
  boss.on("error", (error) => console.error(`[queue] ${(error as Error).message}`));
  await boss.start();
  await boss.createQueue(MINT_QUEUE, {
    name: MINT_QUEUE,
    // RPC trouble: retry with exponential backoff (2 s, 4 s, 8 s … capped by pg-boss) for about a day.
    retryLimit: 50,
    retryDelay: 2,
    retryBackoff: true,
    // a mint batch waits for its receipt; a worker that dies holding jobs gives them back after this
    expireInSeconds: 300,
  });
  // Card purchases of resale listings: one relayed fill per job (app/services/resale-card.server.ts).
  await boss.createQueue(RESALE_FILL_QUEUE, { name: RESALE_FILL_QUEUE, retryLimit: 50, retryDelay: 2, retryBackoff: true, expireInSeconds: 300 });
  return boss;
}

/** Enqueues the mint job of an order inside the caller's transaction (pg-boss `send(..., { db })`). */
export async function enqueueMint(boss: PgBoss, tx: Tx, orderId: string): Promise<void> {
  await boss.send(MINT_QUEUE, { orderId }, { db: inTransaction(tx) });
}
