import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import proxyaddr from "proxy-addr";
import { env, type Env } from "../app/env.server";
import { verifyScan, type ScanAnswer } from "../app/services/door-http.server";
import { sessionTokenFromCookie } from "../app/services/session.server";
import { isDatabaseUnavailable } from "../db/client.server";
import { CSRF_MESSAGE, crossSiteReasonOf } from "./csrf";

/**
 * The door's verify endpoint in front of Express (docs/decisions/011-door-check-in.md): at the doors a
 * venue scans thousands of passes a minute, and each scan through Express and Remix's adapter cost more
 * than the scan itself (a Fetch Request and Response, body streams, the middleware chain). Here a
 * `POST /door/:eventSlug/verify` with a session cookie is answered from node's own request: the same
 * `verifyScan` as the Remix route (app/routes/door.$eventSlug.verify.ts), and what the Express path adds
 * to every answer — request id, log line and latency histogram (`track`), the security headers (those of
 * a JSON answer: a CSP that allows nothing, no script nonce), the
 * cross-site request guard (server/csrf.ts), the client's address as Express sees it (`trust proxy`), and
 * 503 + Retry-After when the database is unreachable.
 *
 * Anything else (another path or method, no session cookie, shutting down) returns false and goes through
 * Express as usual, where the Remix route gives the same answers.
 */

/** A pass request is well under 1 KiB; more is not a scanner's. */
export const MAX_VERIFY_BODY = 8 * 1024;

const PATH = /^\/door\/([^/?#]+)\/verify(?:\?|$)/;
const JSON_TYPE = "application/json";

export interface DoorFastPathOptions {
  /** request id, log line, latency histogram (server/http-observability.ts requestTracker) */
  track: (req: IncomingMessage, res: ServerResponse) => string;
  /** CSP, HSTS, … of a JSON answer (server/security-headers.ts apiSecurityHeaderWriter) */
  securityHeaders: (req: IncomingMessage, res: ServerResponse) => void;
  /** false while shutting down: Express answers 503 */
  active: () => boolean;
  /** Express's compiled `trust proxy` (app.get("trust proxy fn")): which hops' X-Forwarded-For to believe */
  trustProxy: (address: string, hop: number) => boolean;
  env?: Env;
  /** tests: stands in for verifyScan */
  verify?: typeof verifyScan;
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) {
  const body = JSON.stringify(json);
  res.writeHead(status, { "Content-Type": JSON_TYPE, "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function sendResponse(res: ServerResponse, response: Response) {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * The body as a string, at most MAX_VERIFY_BODY bytes; null when it is larger; undefined when the client
 * went away before sending all of it (nothing to answer). A larger body is read to its end and dropped
 * before the answer, as Express's finalhandler does: a client still sending when the connection closes
 * sees a broken pipe, not the 413.
 */
function readBody(req: IncomingMessage): Promise<string | null | undefined> {
  return new Promise((resolve) => {
    // The first of these settles the promise; a later resolve is ignored.
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_VERIFY_BODY) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_VERIFY_BODY) return resolve(null);
      resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    });
    req.on("close", () => resolve(undefined));
    req.on("error", () => resolve(undefined));
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

// The per-request callbacks handed to the CSRF check and to verifyScan are these module functions bound
// to the request (or its body), not closures: under tsx, every named closure is re-named at creation
// (esbuild's keepNames), which cost more per scan than the callbacks' work.
function headerOfThis(this: IncomingMessage, name: string): string | undefined {
  return header(this, name);
}
function parseThis(this: string): Promise<unknown> {
  try {
    return Promise.resolve(JSON.parse(this) as unknown);
  } catch (error) {
    return Promise.reject(error as Error);
  }
}
function fetchRequestOfThis(this: { req: IncomingMessage; protocol: string }): Request {
  return fetchRequest(this.req, this.protocol);
}

/** A Fetch Request with the original's URL and headers (no body): for the door check when its cache misses. */
function fetchRequest(req: IncomingMessage, protocol: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return new Request(`${protocol}://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, { method: "GET", headers });
}

export function doorFastPath(options: DoorFastPathOptions) {
  const e = options.env ?? env();
  const verify = options.verify ?? verifyScan;
  /**
   * The client address proxyaddr gives for a peer address and X-Forwarded-For value: the same gate
   * devices scan all evening, and parsing each hop's address per scan cost more than the rest of the
   * headers. Bounded: emptied when full.
   */
  const addresses = new Map<string, string>();
  const clientAddress = (req: IncomingMessage): string => {
    const key = `${req.socket.remoteAddress ?? ""} ${header(req, "x-forwarded-for") ?? ""}`;
    let address = addresses.get(key);
    if (address === undefined) {
      address = proxyaddr(req, options.trustProxy);
      if (addresses.size >= 10_000) addresses.clear();
      addresses.set(key, address);
    }
    return address;
  };
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "POST") return false;
    const match = PATH.exec(req.url ?? "");
    if (!match || !options.active()) return false;
    const token = sessionTokenFromCookie(req.headers.cookie);
    if (!token) return false; // not signed in: the Remix route answers 401 with its usual page or JSON
    let slug: string;
    try {
      slug = decodeURIComponent(match[1]!);
    } catch {
      return false;
    }
    options.track(req, res);
    options.securityHeaders(req, res);
    void answer(req, res, slug, token).catch((error) => {
      // A failure while writing the answer (the client went away): nothing more to send.
      if (!res.headersSent) send(res, 500, { error: "Unexpected Server Error" });
      console.error(error);
    });
    return true;
  };

  async function answer(req: IncomingMessage, res: ServerResponse, slug: string, token: string) {
    const protocol = (req.socket as TLSSocket).encrypted ? "https" : "http";
    const queryAt = req.url!.indexOf("?");
    const refused = crossSiteReasonOf(
      { method: "POST", path: queryAt < 0 ? req.url! : req.url!.slice(0, queryAt), header: headerOfThis.bind(req), protocol },
      e,
    );
    if (refused) return send(res, 403, { error: CSRF_MESSAGE }, { "Cache-Control": "no-store" });
    const text = await readBody(req);
    if (text === undefined) return; // the client hung up mid-body
    if (text === null) {
      // An oversized body (read and dropped): answer, then close the connection.
      return send(res, 413, { error: `A pass request is at most ${MAX_VERIFY_BODY} bytes.` }, { Connection: "close" });
    }
    let result: ScanAnswer | Response;
    try {
      result = await verify({
        token,
        slug,
        request: fetchRequestOfThis.bind({ req, protocol }),
        json: parseThis.bind(text),
        clientIp: clientAddress(req),
      });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        return send(res, 503, { error: "The ticket database is unreachable; try again in a few seconds." }, { "Retry-After": "5" });
      }
      throw error;
    }
    if (result instanceof Response) return sendResponse(res, result);
    send(res, result.status, result.json);
  }
}
