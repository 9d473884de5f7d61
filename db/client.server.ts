import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "./schema";

/**
 * The one database handle. With DATABASE_URL it is postgres.js on a real PostgreSQL; without it, PGlite
 * (embedded Postgres) with its data directory on disk. Both run the same schema and migrations.
 * The handle lives on globalThis so the bootstrap (server/main.ts), the Remix server build and Vite's
 * dev reloads share one connection pool / one PGlite instance (PGlite allows one opener per directory).
 */
export type Db = PostgresJsDatabase<typeof schema>;

export interface DbHandle {
  db: Db;
  kind: "pglite" | "postgres";
  /** where the data lives: a directory for PGlite, host/db for PostgreSQL (no credentials) */
  location: string;
  /**
   * Runs `fn` holding the named lock: a PostgreSQL advisory lock on a reserved connection (so it holds
   * across app servers), or an in-process lock on PGlite (one process by construction). Waits for it.
   */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Takes the named lock if free and keeps it until `release()` (leadership: e.g. the one indexer).
   * Returns null when another holder has it. The lock also ends when the process or its connection dies.
   */
  tryLock(name: string): Promise<{ release(): Promise<void> } | null>;
  close(): Promise<void>;
}

/** In-process named locks (PGlite, and the first stage of PostgreSQL locks so one process queues locally). */
class LocalLocks {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly held = new Set<string>();
  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(name, tail);
    await previous;
    try {
      return await fn();
    } finally {
      done();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
  tryTake(name: string): { release(): Promise<void> } | null {
    if (this.held.has(name)) return null;
    this.held.add(name);
    return { release: async () => void this.held.delete(name) };
  }
}

export interface DbOptions {
  databaseUrl?: string;
  /** PGlite data directory; "memory://" for an in-memory database (tests) */
  pgliteDir: string;
  /**
   * PostgreSQL: run drizzle's queries as prepared statements (default). Off (DATABASE_PREPARE=false) for
   * a pooler that cannot keep them, such as PgBouncer in transaction mode before 1.21.
   */
  prepare?: boolean;
}

/**
 * drizzle-orm runs every query that is not explicitly named with `prepare: false`; postgres.js then
 * describes each query with parameters before running it: two round trips, twice the socket writes and
 * a parse of the row description every time. Prepared, a statement is described once per connection and
 * then runs in one round trip (BENCHMARKS.md: the door and sale-day benches). This wraps the client so
 * every `unsafe()` drizzle sends is prepared, in transactions, savepoints and reserved connections too.
 * Queries without parameters keep postgres.js's simple protocol (migrations send several statements).
 */
type PgClient = import("postgres").Sql;
function preparing<T extends PgClient>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "unsafe") {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) => target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (property === "begin" || property === "savepoint") {
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: PgClient) => unknown;
          const method = Reflect.get(target, property) as (...a: unknown[]) => unknown;
          return method(...args, (tx: PgClient) => fn(preparing(tx)));
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

const GLOBAL_KEY = Symbol.for("ticketchain.db");
type GlobalWithDb = typeof globalThis & { [GLOBAL_KEY]?: Promise<DbHandle> };

export async function openDb(options: DbOptions): Promise<DbHandle> {
  if (options.databaseUrl) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const client = postgres(options.databaseUrl, {
      max: 10,
      onnotice: () => {},
      connect_timeout: 10,
      // Reconnect backoff: postgres.js's default grows to 20 s after a few failed attempts, so the app would
      // stay down that long after PostgreSQL is back; retry within 2 s instead (docs/decisions/015).
      backoff: (retries: number) => Math.min(0.1 * 2 ** retries, 2),
    });
    const url = new URL(options.databaseUrl);
    const local = new LocalLocks();
    return {
      db: drizzle(options.prepare === false ? client : preparing(client), { schema }),
      kind: "postgres",
      location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      withLock: (name, fn) =>
        local.run(name, async () => {
          const connection = await client.reserve();
          try {
            await connection`select pg_advisory_lock(hashtextextended(${name}, 0))`;
            try {
              return await fn();
            } finally {
              await connection`select pg_advisory_unlock(hashtextextended(${name}, 0))`;
            }
          } finally {
            connection.release();
          }
        }),
      async tryLock(name) {
        const inProcess = local.tryTake(name);
        if (!inProcess) return null;
        // The database may be unreachable (restart, network cut): give the in-process lock back whatever
        // happens, or this process would never take the lock again once the database returns.
        let connection: Awaited<ReturnType<typeof client.reserve>>;
        let row: { ok: boolean } | undefined;
        try {
          connection = await client.reserve();
        } catch (error) {
          await inProcess.release();
          throw error;
        }
        try {
          [row] = await connection<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtextextended(${name}, 0)) as ok`;
        } catch (error) {
          connection.release();
          await inProcess.release();
          throw error;
        }
        if (!row?.ok) {
          connection.release();
          await inProcess.release();
          return null;
        }
        return {
          async release() {
            await connection`select pg_advisory_unlock(hashtextextended(${name}, 0))`.catch(() => {});
            connection.release();
            await inProcess.release();
          },
        };
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  if (!options.pgliteDir.startsWith("memory://")) mkdirSync(options.pgliteDir, { recursive: true });
  const client = await PGlite.create(options.pgliteDir);
  const local = new LocalLocks();
  return {
    db: drizzle(client, { schema }) as unknown as Db,
    kind: "pglite",
    location: options.pgliteDir,
    withLock: (name, fn) => local.run(name, fn),
    tryLock: async (name) => local.tryTake(name),
    close: () => client.close(),
  };
}

export async function migrate(handle: DbHandle): Promise<void> {
  if (handle.kind === "postgres") {
    const { migrate: run } = await import("drizzle-orm/postgres-js/migrator");
    await run(handle.db, { migrationsFolder });
  } else {
    const { migrate: run } = await import("drizzle-orm/pglite/migrator");
    // The PGlite driver's migrator takes its own database type; the handle is the same object.
    await run(handle.db as unknown as Parameters<typeof run>[0], { migrationsFolder });
  }
}

/** Opens (once per process) the database described by the environment. */
export function getDbHandle(options?: DbOptions): Promise<DbHandle> {
  const g = globalThis as GlobalWithDb;
  if (!g[GLOBAL_KEY]) {
    if (!options) throw new Error("database not initialised: call getDbHandle(options) at start-up first");
    g[GLOBAL_KEY] = openDb(options).catch((error) => {
      delete g[GLOBAL_KEY];
      throw error;
    });
  }
  return g[GLOBAL_KEY]!;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

export async function closeDb(): Promise<void> {
  const g = globalThis as GlobalWithDb;
  const pending = g[GLOBAL_KEY];
  delete g[GLOBAL_KEY];
  if (pending) await (await pending).close();
}

export async function pingDb(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

/** Connection-level failures (refused, reset, timed out, server shutting down): the database is unreachable. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01", // admin_shutdown (pg_terminate_backend, server restart)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "53300", // too_many_connections
]);

/** True when `error` (or what it wraps: Drizzle puts the driver's error in `cause`) means the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}
