import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { requestLogger } from "../app/services/log.server";
import { metrics } from "../app/services/metrics.server";

/**
 * Per-request id (X-Request-Id: the caller's when it is a sane token, else a new UUID), one structured
 * JSON log line per request (pino; no headers, no bodies, no query strings: nothing secret), and the
 * http_request_duration_seconds histogram labelled by a route *pattern* (ids collapsed), never the raw
 * path, so label cardinality stays bounded.
 */

const ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Collections whose second path segment is a slug (`/events/<slug>`, `/door/<slug>`, `/promoter/events/<slug>`). */
const SLUGGED = new Set(["events", "door"]);

/** "/events/aurora-nights" -> "/events/:slug"; token ids, addresses, uuids and hashes collapse to ":id". */
export function routePattern(path: string): string {
  if (path.startsWith("/assets/")) return "/assets/*";
  const parts = path.split("/");
  const pattern = parts.map((part, i) => {
    if (!part) return part;
    if (/^(0x[0-9a-fA-F]+|\d+|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}|cs_(test|live)_\w+|[A-Za-z0-9_-]{32,})$/.test(part)) return ":id";
    if (i === 2 && SLUGGED.has(parts[1]!)) return ":slug";
    if (i === 3 && parts[1] === "promoter" && parts[2] === "events") return ":slug";
    return part;
  });
  return pattern.join("/").slice(0, 80) || "/";
}

/** routePattern of recent paths (bounded: emptied when full). */
const patterns = new Map<string, string>();
function cachedPattern(path: string): string {
  let pattern = patterns.get(path);
  if (pattern === undefined) {
    if (patterns.size >= 5_000) patterns.clear();
    pattern = routePattern(path);
    patterns.set(path, pattern);
  }
  return pattern;
}

/**
 * Starts tracking a request: its id (set on the response and on `req.headers`), then on finish its
 * duration in the histogram and its log line. Shared by the Express middleware below and the micro-cache's
 * answer in front of Express (server/response-cache.ts). Returns the request id.
 */
export function requestTracker(): (req: IncomingMessage, res: ServerResponse) => string {
  const log = requestLogger();
  const { httpDuration } = metrics();
  return (req, res) => {
    const incoming = req.headers["x-request-id"];
    const requestId = typeof incoming === "string" && ID.test(incoming) ? incoming : randomUUID();
    res.setHeader("X-Request-Id", requestId);
    // The app's own handlers (Remix's handleError) see the same id.
    req.headers["x-request-id"] = requestId;
    const started = process.hrtime.bigint();
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const method = req.method ?? "GET";
    res.once("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = cachedPattern(path);
      httpDuration.observe({ method, route, status: String(res.statusCode) }, seconds);
      if (route === "/assets/*" || path === "/healthz" || path === "/metrics") return;
      log.info({ requestId, method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, "request");
    });
    return requestId;
  };
}

export function observability() {
  const track = requestTracker();
  return (req: Request, res: Response, next: NextFunction) => {
    (req as Request & { requestId?: string }).requestId = track(req, res);
    next();
  };
}
