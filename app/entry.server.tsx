import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceProvider } from "~/lib/nonce";
import { noteServerError } from "./services/outage.server";

/**
 * Remix's Node entry (streaming for browsers, complete documents for bots), plus the per-request CSP nonce
 * from the load context (server/security-headers.ts → server/main.ts getLoadContext): React's streaming
 * scripts, Remix's <Scripts>/<ScrollRestoration> and the app's own inline script all carry it. And
 * `handleError`: an error that means "the database is unreachable" marks the request, and the HTTP layer
 * answers 503 (Retry-After) instead of 500 — the dependency is down, the app is not broken (server/main.ts).
 */

const ABORT_DELAY = 5_000;

export function handleError(error: unknown, { request }: { request: Request }) {
  noteServerError(request, error);
  if (!request.signal.aborted) console.error(error);
}

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = typeof loadContext?.cspNonce === "string" ? loadContext.cspNonce : "";
  const bot = isbot(request.headers.get("user-agent") || "");
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const ready = () => {
      shellRendered = true;
      const body = new PassThrough();
      const stream = createReadableStreamFromReadable(body);
      responseHeaders.set("Content-Type", "text/html");
      resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce || undefined} />
      </NonceProvider>,
      {
        nonce: nonce || undefined,
        ...(bot ? { onAllReady: ready } : { onShellReady: ready }),
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors while streaming after the shell are logged here; those before it reject above.
          if (shellRendered) console.error(error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}
