import { LRUCache } from "lru-cache";
import type { Redis as RedisClient } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { env } from "~/env.server";

/**
 * Cache and rate limits. In-process (lru-cache, rate-limiter-flexible's memory store) by default;
 * Redis (ioredis) when REDIS_URL is set, so several app servers share them.
 */

export interface Cache {
  readonly kind: "memory" | "redis";
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Returns the cached value, or computes, stores and returns it. */
  wrap<T>(key: string, ttlMs: number, compute: () => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

abstract class BaseCache implements Cache {
  abstract readonly kind: "memory" | "redis";
  abstract get<T>(key: string): Promise<T | undefined>;
  abstract set(key: string, value: unknown, ttlMs: number): Promise<void>;
  abstract del(key: string): Promise<void>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
  async wrap<T>(key: string, ttlMs: number, compute: () => Promise<T>): Promise<T> {
    const hit = await this.get<T>(key);
    if (hit !== undefined) return hit;
    const value = await compute();
    await this.set(key, value, ttlMs);
    return value;
  }
}

class MemoryCache extends BaseCache {
  readonly kind = "memory" as const;
  private readonly lru = new LRUCache<string, { json: string }>({ max: 10_000 });
  async get<T>(key: string) {
    const hit = this.lru.get(key);
    return hit ? (JSON.parse(hit.json) as T) : undefined;
  }
  async set(key: string, value: unknown, ttlMs: number) {
    // Stored as JSON so both stores return copies with the same shape (no shared mutable objects).
    this.lru.set(key, { json: JSON.stringify(value) }, { ttl: ttlMs });
  }
  async del(key: string) {
    this.lru.delete(key);
  }
  async ping() {}
  async close() {
    this.lru.clear();
  }
}

class RedisCache extends BaseCache {
  readonly kind = "redis" as const;
  constructor(
    readonly client: RedisClient,
    private readonly prefix: string,
  ) {
    super();
  }
  async get<T>(key: string) {
    const raw = await this.client.get(this.prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }
  async set(key: string, value: unknown, ttlMs: number) {
    await this.client.set(this.prefix + key, JSON.stringify(value), "PX", Math.max(1, Math.round(ttlMs)));
  }
  async del(key: string) {
    await this.client.del(this.prefix + key);
  }
  async ping() {
    await this.client.ping();
  }
  async close() {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

export async function createCache(options: { redisUrl?: string; prefix?: string }): Promise<Cache> {
  if (!options.redisUrl) return new MemoryCache();
  const { Redis } = await import("ioredis");
  const client = new Redis(options.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
  });
  await client.connect();
  return new RedisCache(client, options.prefix ?? "tc:");
}

const GLOBAL_KEY = Symbol.for("ticketchain.cache");
type GlobalWithCache = typeof globalThis & { [GLOBAL_KEY]?: Promise<Cache> };

/** The process's cache (Redis when REDIS_URL is set). */
export function cache(): Promise<Cache> {
  const g = globalThis as GlobalWithCache;
  if (!g[GLOBAL_KEY]) {
    g[GLOBAL_KEY] = createCache({ redisUrl: env().REDIS_URL }).catch((error) => {
      delete g[GLOBAL_KEY];
      throw error;
    });
  }
  return g[GLOBAL_KEY]!;
}

export async function closeCache() {
  const g = globalThis as GlobalWithCache;
  const pending = g[GLOBAL_KEY];
  delete g[GLOBAL_KEY];
  if (pending) await (await pending).close();
}

export async function cacheHealth() {
  const c = await cache();
  await c.ping();
  return { ok: true, kind: c.kind };
}

export interface RateLimit {
  /** bucket name, e.g. "purchase" */
  name: string;
  points: number;
  durationSec: number;
}

/** A limiter sharing the cache's backend: Redis-backed when the cache is Redis. */
export function createRateLimiter(c: Cache, limit: RateLimit): RateLimiterAbstract {
  const opts = { keyPrefix: `rl:${limit.name}`, points: limit.points, duration: limit.durationSec };
  if (c instanceof RedisCache) return new RateLimiterRedis({ ...opts, storeClient: c.client, useRedisPackage: false });
  return new RateLimiterMemory(opts);
}

/**
 * Consumes one point for `key`; returns null when allowed, or the seconds to wait when limited.
 */
export async function consume(limiter: RateLimiterAbstract, key: string): Promise<number | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (result) {
    if (result instanceof RateLimiterRes) return Math.ceil(result.msBeforeNext / 1000);
    throw result;
  }
}
