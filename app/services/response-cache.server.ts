import { LRUCache } from "lru-cache";
import { cache, type Cache } from "./cache.server";

/**
 * The micro-cache of anonymous public pages (docs/decisions/018-micro-cache.md): whole responses of
 * `GET /events/:slug` and `GET /api/events/:slug` for visitors without a cookie, kept RESPONSE_CACHE_MS.
 * The HTTP layer (server/response-cache.ts) reads and fills it; the catalogue drops an event's entries
 * whenever its seats or listings change (invalidateEvent, forgetEventListings), so a reservation, a sale or
 * a listing shows on the next request.
 *
 * Where it lives follows the cache (app/services/cache.server.ts): in this process by default (each app
 * server its own, like the event views it is built from), in Redis when REDIS_URL is set, so a change
 * drops the entry for every app server at once. The body is kept with the CSP nonce cut out (`parts`):
 * each response gets its own nonce stitched back in.
 */

/** How long an anonymous response is reused. */
export const RESPONSE_CACHE_MS = 1_000;
/**
 * After that, how long it may still be served to the requests that arrive while one request renders the
 * page again (nginx's `proxy_cache_use_stale updating`): only while that render runs, never after a drop.
 */
export const RESPONSE_STALE_MS = 2_000;

export interface CachedResponse {
  status: number;
  /** headers the route set (content type, cache-control, vary, etag); per-response ones are not kept */
  headers: Record<string, string>;
  /** the body split where the CSP nonce was: join with the new response's nonce */
  parts: Buffer[];
  /** Date.now() until which it is fresh; after that it is stale (see RESPONSE_STALE_MS) */
  freshUntil: number;
}

export const bodySize = (entry: CachedResponse) => entry.parts.reduce((sum, part) => sum + part.length, 0);

interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  parts: string[];
  freshUntil: number;
}

/** The pages the micro-cache may hold, by path (no query string): an event's page and its JSON. */
const CACHEABLE = /^\/(?:api\/)?events\/[a-z0-9-]{1,120}$/;

export function isCacheablePath(path: string): boolean {
  return CACHEABLE.test(path);
}

export function eventResponsePaths(slug: string): string[] {
  return [`/events/${slug}`, `/api/events/${slug}`];
}

const key = (path: string) => `response:${path}`;

interface State {
  /** the store's kind once known (the first request tells): "memory" entries can be read without waiting */
  kind?: Cache["kind"];
  lru: LRUCache<string, CachedResponse>;
  /** bumped by every drop: a response rendered before the drop is not stored after it */
  generation: Map<string, number>;
}
const GLOBAL_KEY = Symbol.for("ticketchain.response-cache");
type GlobalWithState = typeof globalThis & { [GLOBAL_KEY]?: State };

/** Shared by the server bootstrap and the Remix build (both load this module). */
function state(): State {
  const g = globalThis as GlobalWithState;
  return (g[GLOBAL_KEY] ??= { lru: new LRUCache({ max: 2_000, ttlAutopurge: false }), generation: new Map() });
}

async function store(): Promise<Cache> {
  const c = await cache();
  state().kind = c.kind;
  return c;
}

/** The generation of `path`'s entry: read before rendering, pass to putCachedResponse. */
export function responseGeneration(path: string): number {
  return state().generation.get(path) ?? 0;
}

/**
 * The entry, read synchronously when the store is this process's memory; null when that is not known to be
 * so (Redis, or before the first request opened the cache): ask getCachedResponse.
 */
export function peekCachedResponse(path: string): CachedResponse | undefined | null {
  const s = state();
  return s.kind === "memory" ? s.lru.get(path) : null;
}

export async function getCachedResponse(path: string): Promise<CachedResponse | undefined> {
  const c = await store();
  if (c.kind === "memory") return state().lru.get(path);
  const raw = await c.get<StoredResponse>(key(path));
  return raw ? { status: raw.status, headers: raw.headers, parts: raw.parts.map((part) => Buffer.from(part)), freshUntil: raw.freshUntil } : undefined;
}

/** Stores `entry` unless `path` was dropped since `generation` was read (the render may predate the change). */
export async function putCachedResponse(path: string, generation: number, entry: Omit<CachedResponse, "freshUntil">): Promise<void> {
  if (responseGeneration(path) !== generation) return;
  const c = await store();
  const freshUntil = Date.now() + RESPONSE_CACHE_MS;
  const ttl = RESPONSE_CACHE_MS + RESPONSE_STALE_MS;
  if (c.kind === "memory") {
    state().lru.set(path, { ...entry, freshUntil }, { ttl });
    return;
  }
  const stored: StoredResponse = { status: entry.status, headers: entry.headers, parts: entry.parts.map((part) => part.toString()), freshUntil };
  await c.set(key(path), stored, ttl);
}

/** Drops the cached responses of an event's page and JSON (every app server's, when the cache is Redis). */
export async function dropEventResponses(slug: string): Promise<void> {
  const s = state();
  const c = await store();
  for (const path of eventResponsePaths(slug)) {
    s.generation.set(path, (s.generation.get(path) ?? 0) + 1);
    s.lru.delete(path);
    if (c.kind === "redis") await c.del(key(path));
  }
}
