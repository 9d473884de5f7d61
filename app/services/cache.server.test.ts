import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consume, createCache, createRateLimiter, type Cache } from "./cache.server";

/**
 * Runs against the in-process store always, and against real Redis too when REDIS_URL is set
 * (.ci/run sets it when Redis answers on 127.0.0.1:6379).
 */
const backends: Array<[string, string | undefined]> = [["memory", undefined]];
if (process.env.REDIS_URL) backends.push(["redis", process.env.REDIS_URL]);

describe.each(backends)("cache on %s", (kind, redisUrl) => {
  let cache: Cache;
  const prefix = `test:${randomUUID()}:`;

  beforeAll(async () => {
    cache = await createCache({ redisUrl, prefix });
  });
  afterAll(async () => {
    await cache.close();
  });

  it("reports its backend", () => {
    expect(cache.kind).toBe(kind);
  });

  it("stores, returns copies, and deletes values", async () => {
    const value = { name: "Aurora", cents: 4500, tiers: [1, 2] };
    await cache.set("event", value, 10_000);
    const hit = await cache.get<typeof value>("event");
    expect(hit).toEqual(value);
    expect(hit).not.toBe(value);
    await cache.del("event");
    expect(await cache.get("event")).toBeUndefined();
  });

  it("expires entries after their ttl", async () => {
    await cache.set("short", 1, 50);
    expect(await cache.get("short")).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(await cache.get("short")).toBeUndefined();
  });

  it("wrap computes once and then serves the cached value", async () => {
    let calls = 0;
    const compute = async () => ++calls;
    expect(await cache.wrap("counter", 10_000, compute)).toBe(1);
    expect(await cache.wrap("counter", 10_000, compute)).toBe(1);
    expect(calls).toBe(1);
  });

  it("rate limits per key with the same backend", async () => {
    const limiter = createRateLimiter(cache, { name: `t${randomUUID()}`, points: 3, durationSec: 60 });
    expect(await consume(limiter, "1.2.3.4")).toBeNull();
    expect(await consume(limiter, "1.2.3.4")).toBeNull();
    expect(await consume(limiter, "1.2.3.4")).toBeNull();
    const wait = await consume(limiter, "1.2.3.4");
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await consume(limiter, "5.6.7.8")).toBeNull();
  });
});
