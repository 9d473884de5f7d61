import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import {
  bodySize,
  getCachedResponse,
  peekCachedResponse,
  isCacheablePath,
  putCachedResponse,
  RESPONSE_CACHE_MS,
  responseGeneration,
  type CachedResponse,
} from "../app/services/response-cache.server";

/**
 * Micro-cache of anonymous public GETs (docs/decisions/018-micro-cache.md), like nginx/Varnish
 * microcaching: `GET /events/:slug` and `GET /api/events/:slug` without a query string and without any
 * cookie are answered from a response kept RESPONSE_CACHE_MS (app/services/response-cache.server.ts),
 * which the catalogue drops whenever the event's seats or listings change.
 *
 * - Anything with a Cookie header (a session), a query string (Remix's `.data` requests have their own
 *   path and are never matched), another method, or a response that is not a 200 without Set-Cookie is
 *   never stored or served from here.
 * - One render per page at a time: requests arriving while the page is being rendered wait for it
 *   (no stampede when the entry expires under load).
 * - The HTML keeps the CSP nonce out: each response gets its own (res.locals.cspNonce, set by
 *   server/security-headers.ts), stitched into every place the rendered page had the renderer's nonce.
 * - Headers: the event page is `Cache-Control: private, no-cache` and `Vary: Cookie` for everyone (a shared
 *   cache must not keep a page carrying a nonce, nor give one visitor's page to another); no ETag on it (a
 *   304 would pair the browser's old page with a new CSP nonce). The JSON keeps its public Cache-Control and
 *   gets a strong ETag (If-None-Match → 304); it is the same for everyone, so no Vary: Cookie.
 * - `X-Cache: HIT` / `MISS` says which (tests, debugging).
 */

/** Headers of the route's response that are stored with it; the others are per response or per hop. */
const KEPT_HEADERS = ["content-type", "cache-control", "content-language", "link"];
const MAX_BODY = 1024 * 1024;
const PAGE_CACHE_CONTROL = "private, no-cache";

function chunkOf(chunk: unknown, encoding: unknown): Buffer | null {
  if (chunk === undefined || chunk === null || typeof chunk === "function") return null;
  if (typeof chunk === "string") return Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return null;
}

/** `body` split at every occurrence of `nonce` (one part when there is none). */
export function splitAtNonce(body: Buffer, nonce: string): Buffer[] {
  if (!nonce) return [body];
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = body.indexOf(nonce, 0, "latin1"); at >= 0; at = body.indexOf(nonce, from, "latin1")) {
    parts.push(body.subarray(from, at));
    from = at + nonce.length;
  }
  parts.push(body.subarray(from));
  return parts;
}

function joinWithNonce(parts: Buffer[], nonce: string): Buffer {
  if (parts.length === 1) return parts[0]!;
  const glue = Buffer.from(nonce, "latin1");
  const pieces: Buffer[] = [];
  parts.forEach((part, i) => {
    if (i > 0) pieces.push(glue);
    pieces.push(part);
  });
  return Buffer.concat(pieces);
}

function matchesEtag(header: string | undefined, etag: string | undefined): boolean {
  if (!header || !etag) return false;
  return header.trim() === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

function send(req: IncomingMessage, res: ServerResponse, entry: CachedResponse, nonce: string) {
  res.statusCode = entry.status;
  for (const name in entry.headers) res.setHeader(name, entry.headers[name]!);
  res.setHeader("X-Cache", "HIT");
  if (matchesEtag(req.headers["if-none-match"], entry.headers.etag)) {
    res.statusCode = 304;
    res.removeHeader("Content-Type");
    res.end();
    return;
  }
  const body = joinWithNonce(entry.parts, nonce);
  res.setHeader("Content-Length", body.length);
  res.end(body);
}

interface Pending {
  path: string;
  page: boolean;
  nonce: string;
  generation: number;
  flightKey: string;
}
const PENDING = Symbol("response-cache");
type WithPending = Response & { [PENDING]?: Pending };

/**
 * Two middlewares around the rest of the chain: `serve`, early (right after the request id and the security
 * headers: a hit needs nothing else, only `compression` when the client asks for it), and `fill`, just before
 * the routes and after `compression`, so that it records the bytes the route wrote, not the compressed ones.
 */
/** Renders in progress, by generation and path: later requests for the same page wait for them (or get the stale copy). */
const inflight = new Map<string, Promise<CachedResponse | undefined>>();
const rendering = (path: string) => inflight.has(`${responseGeneration(path)}:${path}`);

export function responseCache(options: { compression?: (req: Request, res: Response, next: NextFunction) => void } = {}) {
  const compress = options.compression;

  const reply = (req: Request, res: Response, entry: CachedResponse, nonce: string) => {
    // Through compression as on a render (it also adds Vary: Accept-Encoding).
    if (compress) compress(req, res, () => send(req, res, entry, nonce));
    else send(req, res, entry, nonce);
  };

  async function serve(req: Request, res: Response, next: NextFunction) {
    const path = req.path;
    if (req.method !== "GET" || !isCacheablePath(path)) return next();
    const page = !path.startsWith("/api/");
    if (page) {
      res.setHeader("Vary", "Cookie");
      res.setHeader("Cache-Control", PAGE_CACHE_CONTROL);
    }
    if (req.headers.cookie || req.url.length !== path.length) return next();
    const nonce = typeof res.locals.cspNonce === "string" ? res.locals.cspNonce : "";

    let hit: CachedResponse | undefined;
    try {
      hit = await getCachedResponse(path);
    } catch {
      return next(); // the cache is unreachable: render as if it were empty
    }
    const generation = responseGeneration(path);
    const flightKey = `${generation}:${path}`;
    const pending = inflight.get(flightKey);
    // Fresh, or stale while another request renders the page again: served as is.
    if (hit && (hit.freshUntil > Date.now() || pending)) return reply(req, res, hit, nonce);
    if (pending) {
      const rendered = await pending;
      if (rendered && !res.headersSent) return reply(req, res, rendered, nonce);
      return next();
    }
    // This request renders the page (`fill` records it); the others wait for what it produces.
    let settle!: (entry: CachedResponse | undefined) => void;
    inflight.set(flightKey, new Promise((resolve) => (settle = resolve)));
    let settled = false;
    const done = (entry: CachedResponse | undefined) => {
      if (settled) return;
      settled = true;
      inflight.delete(flightKey);
      settle(entry);
    };
    res.locals.responseCacheDone = done;
    (res as WithPending)[PENDING] = { path, page, nonce, generation, flightKey };
    res.setHeader("X-Cache", "MISS");
    res.once("close", () => res.writableFinished || done(undefined));
    next();
  }

  function fill(req: Request, res: Response, next: NextFunction) {
    const pending = (res as WithPending)[PENDING];
    if (!pending) return next();
    const done = res.locals.responseCacheDone as (entry: CachedResponse | undefined) => void;
    const { path, page, nonce, generation } = pending;
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: unknown, encoding: unknown) => {
      const buffer = chunkOf(chunk, encoding);
      if (!buffer || size > MAX_BODY) return;
      size += buffer.length;
      chunks.push(Buffer.from(buffer)); // a copy: the writer may reuse its buffer
    };
    const write = res.write;
    const end = res.end;
    res.write = function (this: Response, chunk: unknown, encoding?: unknown, cb?: unknown) {
      collect(chunk, encoding);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, encoding, cb);
    } as typeof res.write;
    res.end = function (this: Response, chunk?: unknown, encoding?: unknown, cb?: unknown) {
      collect(chunk, encoding);
      return (end as (...args: unknown[]) => Response).call(this, chunk, encoding, cb);
    } as typeof res.end;

    res.once("finish", () => {
      const type = String(res.getHeader("content-type") ?? "");
      const cacheControl = String(res.getHeader("cache-control") ?? "");
      const storable =
        res.statusCode === 200 &&
        !res.hasHeader("set-cookie") &&
        size <= MAX_BODY &&
        /^(text\/html|application\/json)/.test(type) &&
        !/no-store/.test(cacheControl) &&
        (page || !/private/.test(cacheControl));
      if (!storable) return done(undefined);
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = res.getHeader(name);
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
      }
      if (!page) headers.etag = `"${createHash("sha1").update(body).digest("base64url")}"`;
      const entry: CachedResponse = { status: 200, headers, parts: splitAtNonce(body, page ? nonce : ""), freshUntil: Date.now() + RESPONSE_CACHE_MS };
      // Stored first, so that a request arriving once the waiters are served finds it.
      putCachedResponse(path, generation, entry)
        .catch(() => {})
        .finally(() => done(entry));
    });
    next();
  }

  return { serve, fill };
}

/** `compression`'s default threshold: smaller bodies are sent as they are whatever the client accepts. */
const COMPRESSION_THRESHOLD = 1024;

/**
 * The micro-cache's answer in front of Express (server/main.ts passes each request here first), for what
 * needs no Express: an anonymous GET of a cached page held in this process's memory, whose body is sent
 * as is (the client asks for no compression, or the body is below compression's threshold). It sends what
 * the Express path sends for a hit — request id, log line and histogram (`track`), the security headers and
 * a fresh CSP nonce (`securityHeaders`), Vary and Cache-Control — and returns true; otherwise false, and the
 * request goes through Express as usual (a hit there when the store is Redis or the page is compressed).
 */
export function cachedAnswer(options: {
  track: (req: IncomingMessage, res: ServerResponse) => string;
  securityHeaders: (req: IncomingMessage, res: ServerResponse) => string;
  /** false while shutting down: Express answers 503 */
  active: () => boolean;
}) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? "";
    if (req.method !== "GET" || req.headers.cookie || !isCacheablePath(url) || !options.active()) return false;
    const entry = peekCachedResponse(url);
    // Fresh, or stale while a request renders it again; otherwise Express renders it (one request at a time).
    if (!entry || (entry.freshUntil <= Date.now() && !rendering(url))) return false;
    if (req.headers["accept-encoding"] && bodySize(entry) >= COMPRESSION_THRESHOLD) return false;
    options.track(req, res);
    const nonce = options.securityHeaders(req, res);
    if (url.startsWith("/api/")) {
      res.setHeader("Vary", "Accept-Encoding");
    } else {
      res.setHeader("Vary", "Cookie, Accept-Encoding");
      res.setHeader("Cache-Control", PAGE_CACHE_CONTROL);
    }
    send(req, res, entry, nonce);
    return true;
  };
}
