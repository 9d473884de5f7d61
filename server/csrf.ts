import type { NextFunction, Request, Response } from "express";
import { env, type Env } from "../app/env.server";

/**
 * Cross-site request forgery guard (docs/decisions/016-web-security.md).
 *
 * The session cookie is SameSite=Lax already, which keeps it off cross-site POSTs in current browsers. This
 * is the second layer, in the spirit of Go's CrossOriginProtection: a state-changing request (POST, PUT,
 * PATCH, DELETE) that a browser marks as coming from another site is refused with 403 before any route
 * code runs, signed in or not (that also stops "login CSRF": signing a victim in as the attacker).
 *
 * - `Sec-Fetch-Site` (every current browser sends it): `same-origin` and `none` (typed in the address bar,
 *   a bookmark) pass; `same-site` and `cross-site` are refused (a sibling subdomain is another site here).
 * - Without it, `Origin` decides: absent passes (not a browser: curl, the Stripe SDK, server-to-server),
 *   otherwise it must be this site's origin: APP_URL's when set, else the request's own
 *   (`Host`, with X-Forwarded-Proto/-Host from the proxy). `Origin: null` is refused.
 * - Exempt: `POST /webhooks/stripe` (authenticated by its signature, sent by Stripe's servers) and the local
 *   Stripe double's API `/v1/*` (called by the server's Stripe SDK with a bearer key; no cookie).
 *
 * Refusals answer 403 with `{ error }` for JSON/fetch callers and a short HTML page for form posts.
 */

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const EXEMPT = [/^\/webhooks\/stripe\/?$/, /^\/v1\//];

export const CSRF_MESSAGE =
  "This request came from another website, so TicketChain refused it. If you meant to do this, open TicketChain directly and try again.";

/** What the guard reads of a request: Express's Request, or node's IncomingMessage (server/door-fast-path.ts). */
export interface CsrfRequest {
  method: string;
  /** the path without the query */
  path: string;
  header(name: string): string | undefined;
  /** "https" or "http", as Express's req.protocol */
  protocol: string;
}

function ownOrigins(req: CsrfRequest, e: Env): Set<string> {
  const origins = new Set<string>();
  if (e.APP_URL) origins.add(new URL(e.APP_URL).origin);
  const host = req.header("x-forwarded-host")?.split(",")[0]?.trim() || req.header("host");
  if (host) {
    const proto = req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() || req.protocol;
    origins.add(`${proto}://${host}`.toLowerCase());
  }
  return origins;
}

/** Null when the request may go on; otherwise the reason it is refused (for the log). */
export function crossSiteReasonOf(req: CsrfRequest, e: Env): string | null {
  if (!UNSAFE.has(req.method)) return null;
  if (EXEMPT.some((pattern) => pattern.test(req.path))) return null;
  const site = req.header("sec-fetch-site")?.toLowerCase();
  if (site) return site === "same-origin" || site === "none" ? null : `Sec-Fetch-Site: ${site}`;
  const origin = req.header("origin");
  if (origin === undefined) return null;
  if (origin === "null") return "Origin: null";
  return ownOrigins(req, e).has(origin.toLowerCase()) ? null : `Origin: ${origin.slice(0, 100)}`;
}

/** `crossSiteReasonOf` for an Express request. */
export function crossSiteReason(req: Request, e: Env): string | null {
  return crossSiteReasonOf({ method: req.method, path: req.path, header: (name) => req.get(name), protocol: req.protocol }, e);
}

function wantsJson(req: Request): boolean {
  const accept = req.get("accept") ?? "";
  if (accept.includes("text/html")) return false;
  return true;
}

export function csrfProtection(options: { env?: Env } = {}) {
  const e = options.env ?? env();
  return (req: Request, res: Response, next: NextFunction) => {
    const reason = crossSiteReason(req, e);
    if (!reason) return next();
    res.locals.csrfRefused = reason;
    res.status(403);
    res.setHeader("Cache-Control", "no-store");
    if (wantsJson(req)) {
      res.json({ error: CSRF_MESSAGE });
      return;
    }
    res.type("html").send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Request refused — TicketChain</title></head>` +
        `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">` +
        `<h1>Request refused</h1><p>${CSRF_MESSAGE}</p><p><a href="/">Go to TicketChain</a></p></body></html>`,
    );
  };
}
