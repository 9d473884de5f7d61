import { randomBytes } from "node:crypto";

/**
 * Database backends for tests: PGlite in memory always; a throwaway database on the real PostgreSQL
 * when DATABASE_URL is set (created for the test file and dropped afterwards, so runs never collide).
 */
export interface TestDatabase {
  kind: "pglite" | "postgres";
  databaseUrl?: string;
  pgliteDir: string;
  drop(): Promise<void>;
}

export async function pgliteDatabase(): Promise<TestDatabase> {
  return { kind: "pglite", pgliteDir: "memory://", drop: async () => {} };
}

export async function postgresDatabase(adminUrl: string): Promise<TestDatabase> {
  const { default: postgres } = await import("postgres");
  const name = `tc_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind: "postgres",
    databaseUrl: url.toString(),
    pgliteDir: "memory://",
    async drop() {
      const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/** [label, factory] pairs for describe.each. */
export function databaseBackends(): Array<[string, () => Promise<TestDatabase>]> {
  const backends: Array<[string, () => Promise<TestDatabase>]> = [["pglite", pgliteDatabase]];
  const url = process.env.DATABASE_URL;
  if (url) backends.push(["postgres", () => postgresDatabase(url)]);
  return backends;
}

/**
 * The browser suites (test/e2e) drive the whole app, which takes minutes per backend: they run on PGlite,
 * the embedded default that `npm start` uses, and on PostgreSQL too only when E2E_ALL_DATABASES=1. The
 * PostgreSQL side of every query they reach is covered by the Vitest suites, which run on both.
 */
export function browserBackends(): Array<[string, () => Promise<TestDatabase>]> {
  return process.env.E2E_ALL_DATABASES === "1" ? databaseBackends() : [["pglite", pgliteDatabase]];
}

/**
 * The fault and load suite (test/faults): on PGlite, or on a fresh database of the real PostgreSQL instead
 * when FAULTS_DATABASE=postgres and DATABASE_URL are set. PostgreSQL's own outage (cut and restored, its
 * connections terminated) has a block of its own that runs whenever DATABASE_URL is set (CI); the full suite
 * on PostgreSQL is opt-in because its 500-buyer race takes minutes on two cores.
 */
export function faultBackends(): Array<[string, () => Promise<TestDatabase>]> {
  const url = process.env.DATABASE_URL;
  return url && process.env.FAULTS_DATABASE === "postgres" ? [["postgres", () => postgresDatabase(url)]] : [["pglite", pgliteDatabase]];
}
