import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as checkoutAction } from "~/routes/checkout";
import { action as shareListingAction } from "~/routes/fractions.$id_.listings";
import { closeCache } from "./cache.server";
import { hit, LIMITS, resetLimiters, tooManyRequests } from "./rate-limits.server";

/**
 * The purchase and listing limits through their routes, on the in-process store and (when REDIS_URL is
 * set) on Redis, where several app servers count together. Each run uses fresh client addresses, so the
 * Redis counters of earlier runs never interfere.
 */
const backends: Array<[string, string | undefined]> = [["memory", undefined]];
if (process.env.REDIS_URL) backends.push(["redis", process.env.REDIS_URL]);

const ENV_KEY = Symbol.for("ticketchain.env");

function args(request: Request, clientIp: string, params: Record<string, string> = {}): ActionFunctionArgs {
  return { request, params, context: { clientIp } } as unknown as ActionFunctionArgs;
}

describe.each(backends)("rate limits on %s", (kind, redisUrl) => {
  const saved = process.env.REDIS_URL;
  beforeAll(async () => {
    await closeCache();
    if (redisUrl) process.env.REDIS_URL = redisUrl;
    else delete process.env.REDIS_URL;
    delete (globalThis as Record<symbol, unknown>)[ENV_KEY];
    resetLimiters();
  });
  afterAll(async () => {
    await closeCache();
    resetLimiters();
    if (saved === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = saved;
    delete (globalThis as Record<symbol, unknown>)[ENV_KEY];
  });

  it(`uses the ${kind} store`, async () => {
    const { cache } = await import("./cache.server");
    expect((await cache()).kind).toBe(kind);
  });

  it("card checkouts: 30 attempts per client IP in 10 minutes, then 429 with Retry-After and a message", async () => {
    const ip = `test-${randomUUID()}`;
    const post = () =>
      checkoutAction(
        args(
          new Request("http://localhost/checkout", {
            method: "POST",
            headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ eventSlug: "aurora-nights-demo", quantity: "0" }),
          }),
          ip,
        ),
      );
    for (let i = 0; i < LIMITS.purchaseIp.points; i++) expect((await post()).status).toBe(400);
    const limited = await post();
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(await limited.json()).toEqual({ error: "Too many checkouts: try again in 10 minutes.", code: "rate_limited" });
    // Another address is not affected.
    const other = await checkoutAction(
      args(new Request("http://localhost/checkout", { method: "POST", headers: { accept: "application/json" }, body: new URLSearchParams({ quantity: "0" }) }), `test-${randomUUID()}`),
    );
    expect(other.status).toBe(400);
  });

  it("card checkouts from a browser form: back to the page with the message", async () => {
    const ip = `test-${randomUUID()}`;
    for (let i = 0; i < LIMITS.purchaseIp.points; i++) await hit(LIMITS.purchaseIp, ip);
    const response = await checkoutAction(
      args(
        new Request("http://localhost/checkout", {
          method: "POST",
          headers: { accept: "text/html" },
          body: new URLSearchParams({ eventSlug: "aurora-nights-demo", quantity: "1", returnTo: "/events/aurora-nights-demo" }),
        }),
        ip,
      ),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    const location = new URL(response.headers.get("location")!, "http://x");
    expect(location.pathname).toBe("/events/aurora-nights-demo");
    expect(location.searchParams.get("checkoutError")).toMatch(/^Too many checkouts: try again in \d+ minutes\.$/);
  });

  it("share listings: 20 per client IP in 10 minutes, then 429", async () => {
    const ip = `test-${randomUUID()}`;
    const post = () =>
      shareListingAction(
        args(
          new Request("http://localhost/fractions/1/listings", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ intent: "list", order: {}, signature: "0x" }) }),
          ip,
          { id: "1" },
        ),
      );
    // Below the limit the request goes on (and fails later for its own reasons, never with 429).
    for (let i = 0; i < LIMITS.listing.points; i++) expect((await post()).status).not.toBe(429);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await limited.json()) as { error: string }).error).toMatch(/^Too many attempts: try again in \d+ minutes\.$/);
  });

  it("tooManyRequests keeps other headers and the extra fields", async () => {
    const response = tooManyRequests(42, { ok: false }, { "Set-Cookie": "a=b" });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("42");
    expect(response.headers.get("set-cookie")).toBe("a=b");
    expect(await response.json()).toEqual({ error: "Too many attempts: try again in 42 seconds.", ok: false });
  });
});
