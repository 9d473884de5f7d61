import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";

/**
 * A fingerprint of the application's data: for every table of the `public` schema, its row count and an
 * md5 of its rows (so an UPDATE shows too). Read from the database directly while the app is stopped
 * (PGlite is single-process) or running (PostgreSQL).
 */
export type Snapshot = Record<string, { rows: number; md5: string | null }>;

const TABLES = `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
const fingerprint = (table: string) =>
  `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5 from public."${table.replace(/"/g, '""')}" t`;

export async function snapshot(source: { pgliteDir: string } | { databaseUrl: string }): Promise<Snapshot> {
  const out: Snapshot = {};
  if ("databaseUrl" in source) {
    const sql = postgres(source.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const tables = await sql.unsafe<{ table_name: string }[]>(TABLES);
      for (const { table_name } of tables) {
        const [row] = await sql.unsafe<{ rows: number; md5: string }[]>(fingerprint(table_name));
        out[table_name] = { rows: row!.rows, md5: row!.md5 };
      }
    } finally {
      await sql.end();
    }
    return out;
  }
  const db = new PGlite(source.pgliteDir);
  try {
    const tables = await db.query<{ table_name: string }>(TABLES);
    for (const { table_name } of tables.rows) {
      const { rows } = await db.query<{ rows: number; md5: string }>(fingerprint(table_name));
      out[table_name] = { rows: rows[0]!.rows, md5: rows[0]!.md5 };
    }
  } finally {
    await db.close();
  }
  return out;
}

/** The tables whose fingerprint differs (with their counts), for a readable assertion. */
export function changed(before: Snapshot, after: Snapshot, ignoreContent: ReadonlySet<string>, ignore: ReadonlySet<string> = new Set()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (ignore.has(table)) continue;
    const a = before[table];
    const b = after[table];
    if (!a || !b) out[table] = `${a ? "dropped" : "created"}`;
    else if (a.rows !== b.rows) out[table] = `${a.rows} -> ${b.rows} rows`;
    else if (!ignoreContent.has(table) && a.md5 !== b.md5) out[table] = `rows changed (${a.rows} rows)`;
  }
  return out;
}
