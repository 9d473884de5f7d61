/**
 * True when `error` (or an error it wraps: drizzle-orm throws a DrizzleQueryError whose `cause` is the
 * driver's) is PostgreSQL's unique violation (23505) of `constraint`. postgres.js names the constraint
 * `constraint_name`, PGlite `constraint`.
 */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, constraint_name: name, constraint: pgliteName } = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown };
    if (code === "23505" && (name === constraint || pgliteName === constraint)) return true;
  }
  return false;
}
