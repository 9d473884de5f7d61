import { isDatabaseUnavailable } from "../../db/client.server";

/**
 * Requests that failed because the database could not be reached. Remix's `handleError`
 * (app/entry.server.tsx) notes them by request id; the HTTP layer (server/main.ts) turns their 500 into
 * 503 with Retry-After. Shared through globalThis: the server build and server/main.ts are separate
 * module graphs in one process.
 */
const KEY = Symbol.for("ticketchain.databaseFailedRequests");
type GlobalWithFailures = typeof globalThis & { [KEY]?: Set<string> };
const failed = () => ((globalThis as GlobalWithFailures)[KEY] ??= new Set<string>());

export function noteServerError(request: Request, error: unknown): void {
  const id = request.headers.get("x-request-id");
  if (id && isDatabaseUnavailable(error)) failed().add(id);
}

/** True (once) when the request with this id failed because the database was unreachable. */
export function takeDatabaseFailure(requestId: string): boolean {
  return failed().delete(requestId);
}
