import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { cache, consume, createRateLimiter, type RateLimit } from "./cache.server";

/**
 * The rate limits of sign-in, claims, card checkouts and listings, on the shared cache backend (Redis when REDIS_URL is set, so
 * every app server counts together). A limit answers 429 with the seconds to wait.
 */
export const LIMITS = {
  /** sign-in links per email address */
  loginEmail: { name: "login-email", points: 3, durationSec: 15 * 60 },
  /** sign-in links per client IP */
  loginIp: { name: "login-ip", points: 10, durationSec: 15 * 60 },
  /** SIWE nonces per client IP */
  siweNonce: { name: "siwe-nonce", points: 30, durationSec: 60 },
  /** claim requests per user (each one costs the platform gas) */
  claim: { name: "claim", points: 10, durationSec: 60 * 60 },
  /** card checkouts started per signed-in account (each one holds seats for 30 minutes) */
  purchaseUser: { name: "purchase-user", points: 10, durationSec: 10 * 60 },
  /** card checkouts started per client IP (signed in or not; a box office may share one address) */
  purchaseIp: { name: "purchase-ip", points: 30, durationSec: 10 * 60 },
  /** resale and share listings created per account (each one is checked against the chain) */
  listing: { name: "listing", points: 20, durationSec: 10 * 60 },
} satisfies Record<string, RateLimit>;

const GLOBAL_KEY = Symbol.for("ticketchain.authLimiters");
type GlobalWithLimiters = typeof globalThis & { [GLOBAL_KEY]?: Map<string, RateLimiterAbstract> };

async function limiter(limit: RateLimit): Promise<RateLimiterAbstract> {
  const g = globalThis as GlobalWithLimiters;
  const map = (g[GLOBAL_KEY] ??= new Map());
  let found = map.get(limit.name);
  if (!found) {
    found = createRateLimiter(await cache(), limit);
    map.set(limit.name, found);
  }
  return found;
}

/** Null when allowed; otherwise the seconds to wait. */
export function hit(limit: RateLimit, key: string): Promise<number | null> {
  // A limiter already made is used without an await first: the door hits two on every scan.
  const made = (globalThis as GlobalWithLimiters)[GLOBAL_KEY]?.get(limit.name);
  return made ? consume(made, key) : limiter(limit).then((found) => consume(found, key));
}

/** Tests: forget the limiters (e.g. after switching the cache backend). */
export function resetLimiters() {
  delete (globalThis as GlobalWithLimiters)[GLOBAL_KEY];
}

/** A 429 JSON answer `{ error, ...extra }` with Retry-After (seconds). */
export function tooManyRequests(seconds: number, extra: Record<string, unknown> = {}, headers?: HeadersInit): Response {
  const all = new Headers(headers);
  all.set("Retry-After", String(seconds));
  return Response.json({ error: waitMessage(seconds), ...extra }, { status: 429, headers: all });
}

export function waitMessage(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return seconds < 90 ? `Too many attempts: try again in ${seconds} seconds.` : `Too many attempts: try again in ${minutes} minutes.`;
}

/**
 * The client's IP as the HTTP server saw it (server/main.ts passes Express's `req.ip` in the load
 * context). Behind a proxy this is the proxy's address unless Express's "trust proxy" is configured.
 */
export function clientIp(context: unknown): string {
  const ip = (context as { clientIp?: unknown } | undefined)?.clientIp;
  return typeof ip === "string" && ip ? ip : "unknown";
}
