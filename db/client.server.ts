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
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string;
  /** PGlite data directory; "memory://" for an in-memory database (tests) */
  pgliteDir: string;
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
    });
    const url = new URL(options.databaseUrl);
    return {
      db: drizzle(client, { schema }),
      kind: "postgres",
      location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      close: () => client.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  if (!options.pgliteDir.startsWith("memory://")) mkdirSync(options.pgliteDir, { recursive: true });
  const client = await PGlite.create(options.pgliteDir);
  return {
    db: drizzle(client, { schema }) as unknown as Db,
    kind: "pglite",
    location: options.pgliteDir,
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
