import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_EVENT } from "../../server/bootstrap";
import { CHROMIUM_ARGS, findChromium } from "../support/chromium";
import { startApp, type AppInstance } from "../support/processes";

/**
 * The micro-cache of anonymous event pages and event JSON (server/response-cache.ts,
 * docs/decisions/018-micro-cache.md) on the whole product (production build, embedded defaults):
 * anonymous GETs are served from it; a card checkout's reservation drops it at once; a signed-in visitor is
 * never served from it nor stored in it; every response carries its own CSP nonce, which is the one on every
 * inline script, and the browser runs the page's scripts under that policy (a page that hydrates).
 */

const PAGE = `/events/${DEMO_EVENT.slug}`;
const JSON_PATH = `/api/events/${DEMO_EVENT.slug}`;

interface Tier {
  id: string;
  position: number;
  name: string;
  remaining: number;
}

function cspNonce(response: Response): string {
  const policy = response.headers.get("content-security-policy") ?? "";
  const match = /'nonce-([A-Za-z0-9+/=]+)'/.exec(policy);
  if (!match) throw new Error(`no nonce in the policy: ${policy}`);
  return match[1]!;
}

const noncesIn = (html: string) => [...html.matchAll(/<script\b[^>]*\bnonce="([^"]*)"/g)].map((m) => m[1]!);
const scriptTags = (html: string) => [...html.matchAll(/<script\b/g)].length;
const seatsLeft = (html: string, position: number) =>
  new RegExp(`data-testid="seats-left-${position}"[^>]*>(?:<!-- -->)?(\\d+)(?:<!-- -->)? of`).exec(html)?.[1];

describe("micro-cache of anonymous event pages", () => {
  let dataDir: string;
  let app: AppInstance;
  let browser: Browser;

  beforeAll(async () => {
    const executablePath = await findChromium();
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-microcache-e2e-"));
    // Embedded defaults (PGlite, in-process cache), not a DATABASE_URL the run may share: the app refuses a database of another chain.
    app = await startApp(dataDir, { DATABASE_URL: "", REDIS_URL: "", SMTP_URL: "", APP_URL: "" });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** GETs `path` until it is answered from the cache (the entry may have just expired or been dropped). */
  async function getHit(urlPath: string, headers: Record<string, string> = {}): Promise<Response> {
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${app.url}${urlPath}`, { headers });
      if (response.headers.get("x-cache") === "HIT") return response;
      await response.arrayBuffer();
    }
    throw new Error(`${urlPath} was never served from the micro-cache`);
  }

  it("serves anonymous JSON and pages from the cache, each page with its own nonce on every inline script", async () => {
    const json = await getHit(JSON_PATH);
    expect(json.status).toBe(200);
    expect(json.headers.get("cache-control")).toBe("public, max-age=2, stale-while-revalidate=10");
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    const etag = json.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const body = (await json.json()) as { slug: string; tiers: Tier[] };
    expect(body.slug).toBe(DEMO_EVENT.slug);
    // The same bytes again: 304 Not Modified.
    const revalidated = await getHit(JSON_PATH, { "if-none-match": etag! });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe("");

    const first = await getHit(PAGE);
    const second = await getHit(PAGE);
    const [html1, html2] = [await first.text(), await second.text()];
    for (const [response, html] of [
      [first, html1],
      [second, html2],
    ] as const) {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control")).toBe("private, no-cache");
      expect(response.headers.get("vary")).toMatch(/\bCookie\b/);
      expect(response.headers.get("etag")).toBeNull();
      const nonce = cspNonce(response);
      const nonces = noncesIn(html);
      // Every script of the page (Remix's, React's and the window.ENV one) carries this response's nonce.
      expect(nonces.length).toBeGreaterThanOrEqual(3);
      expect(nonces.length).toBe(scriptTags(html));
      expect(new Set(nonces)).toEqual(new Set([nonce]));
      expect(html).toContain(DEMO_EVENT.name);
    }
    expect(cspNonce(first)).not.toBe(cspNonce(second));
    expect(first.headers.get("x-request-id")).not.toBe(second.headers.get("x-request-id"));
    // Apart from the nonce, the cached page is the page.
    expect(html1.replaceAll(cspNonce(first), "N")).toBe(html2.replaceAll(cspNonce(second), "N"));
  });

  it("shows a card checkout's reservation at once (the cached page and JSON are dropped)", async () => {
    const before = (await (await getHit(JSON_PATH)).json()) as { tiers: Tier[] };
    const tier = before.tiers.find((t) => t.remaining >= 2)!;
    const pageBefore = await (await getHit(PAGE)).text();
    expect(seatsLeft(pageBefore, tier.position)).toBe(String(tier.remaining));

    const checkout = await fetch(`${app.url}/checkout`, {
      method: "POST",
      body: new URLSearchParams({ eventSlug: DEMO_EVENT.slug, tierId: tier.id, quantity: "2", email: "micro-cache@example.com" }),
      redirect: "manual",
    });
    expect(checkout.status).toBe(303);

    // The very next requests: rendered again, with the two seats held.
    const json = await fetch(`${app.url}${JSON_PATH}`);
    expect(json.headers.get("x-cache")).toBe("MISS");
    const after = (await json.json()) as { tiers: Tier[] };
    expect(after.tiers.find((t) => t.id === tier.id)!.remaining).toBe(tier.remaining - 2);
    const page = await fetch(`${app.url}${PAGE}`);
    expect(page.headers.get("x-cache")).toBe("MISS");
    expect(seatsLeft(await page.text(), tier.position)).toBe(String(tier.remaining - 2));
    // ... and that is what the cache then holds.
    expect(seatsLeft(await (await getHit(PAGE)).text(), tier.position)).toBe(String(tier.remaining - 2));
  });

  it("never serves or stores a signed-in visitor's page", async () => {
    const email = `cached-${Date.now()}@example.com`;
    const asked = await fetch(`${app.url}/login`, { method: "POST", body: new URLSearchParams({ email }), headers: { accept: "application/json" } });
    expect(asked.status).toBeLessThan(400);
    await asked.arrayBuffer();
    let link: string | undefined;
    for (let i = 0; i < 50 && !link; i++) {
      link = new RegExp(`\\[mail\\] to ${email.replace(/[.]/g, "\\.")}: .*? (http://\\S+/auth/email/[A-Za-z0-9_-]{43})`).exec(app.output())?.[1];
      if (!link) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(link).toBeDefined();
    const signedIn = await fetch(link!, { redirect: "manual" });
    const cookie = /tc_session=[^;]+/.exec(signedIn.headers.get("set-cookie") ?? "")?.[0];
    expect(cookie).toBeDefined();

    await getHit(PAGE); // an anonymous page is in the cache
    for (let i = 0; i < 3; i++) {
      const mine = await fetch(`${app.url}${PAGE}`, { headers: { cookie: cookie! } });
      expect(mine.status).toBe(200);
      expect(mine.headers.get("x-cache")).toBeNull();
      expect(mine.headers.get("vary")).toMatch(/\bCookie\b/);
      const html = await mine.text();
      expect(html).toContain(`Account ${email}`);
      expect(new Set(noncesIn(html))).toEqual(new Set([cspNonce(mine)]));
    }
    // The anonymous page never shows the signed-in visitor.
    const anonymous = await getHit(PAGE);
    const html = await anonymous.text();
    expect(html).not.toContain(email);
    expect(html).toContain("Sign in");
  });

  it("runs the cached page's scripts under its policy in a browser (the page hydrates)", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    page.on("pageerror", (error) => errors.push(error.message));
    // The first load may render the page (the entry lives 1 s); the next ones come from the cache.
    let cacheState: string | undefined;
    for (let i = 0; i < 10 && cacheState !== "HIT"; i++) cacheState = (await page.goto(`${app.url}${PAGE}`))!.headers()["x-cache"];
    expect(cacheState).toBe("HIT");
    await page.waitForFunction(() => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined);
    expect(await page.evaluate(() => typeof (window as unknown as { ENV?: unknown }).ENV)).toBe("object");
    // Interactive: choosing a tier opens the wallet checkout (a React state change).
    await page.getByRole("button", { name: /^Pay with wallet: / }).first().click();
    await page.getByRole("heading", { name: /^Pay with wallet · / }).waitFor();
    await context.close();
    expect(errors).toEqual([]);
  });
});
