import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv, type Env } from "../app/env.server";
import { CSRF_MESSAGE, csrfProtection } from "./csrf";
import { API_CONTENT_SECURITY_POLICY, apiSecurityHeaderWriter, contentSecurityPolicy, securityHeaders } from "./security-headers";

/**
 * The security headers and the cross-site request guard, on a real Express server (the same middleware
 * order as server/main.ts) with a route that records whether it ran.
 */
function envOf(vars: Record<string, string> = {}): Env {
  return parseEnv({ NODE_ENV: "test", ...vars });
}

async function serve(e: Env): Promise<{ url: string; server: Server; ran: string[] }> {
  const app = express();
  const ran: string[] = [];
  app.use(securityHeaders({ env: e }));
  app.use(csrfProtection({ env: e }));
  app.all("*", (req, res) => {
    ran.push(`${req.method} ${req.path}`);
    res.json({ ok: true, nonce: res.locals.cspNonce });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, ran };
}

function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe("security headers on the embedded defaults", () => {
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    s = await serve(envOf({ LOCAL_CHAIN_PORT: "8545" }));
  });
  afterAll(() => new Promise<void>((resolve) => s.server.close(() => resolve())));

  it("sends a CSP with a fresh nonce per response, frame-ancestors 'none' and the local chain's RPC", async () => {
    const [a, b] = await Promise.all([fetch(s.url), fetch(s.url)]);
    const cspA = a.headers.get("content-security-policy")!;
    const nonceA = ((await a.json()) as { nonce: string }).nonce;
    const nonceB = ((await b.json()) as { nonce: string }).nonce;
    expect(nonceA).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(nonceA).not.toBe(nonceB);
    const d = directives(cspA);
    expect(d["script-src"]).toEqual(["'self'", `'nonce-${nonceA}'`]);
    expect(d["frame-ancestors"]).toEqual(["'none'"]);
    expect(d["object-src"]).toEqual(["'none'"]);
    expect(d["form-action"]).toEqual(["'self'"]);
    expect(d["connect-src"]).toEqual(["'self'", "http://127.0.0.1:8545", "http://localhost:8545"]);
    expect(d["frame-src"]).toEqual(["'none'"]);
    expect(cspA).not.toMatch(/walletconnect|unsafe-eval|upgrade-insecure-requests/);
  });

  it("sends nosniff, a referrer policy, camera for this origin only, no framing, and no HSTS over plain HTTP", async () => {
    const response = await fetch(s.url);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(response.headers.get("permissions-policy")).toMatch(/(^|, )camera=\(self\)(,|$)/);
    expect(response.headers.get("permissions-policy")).toMatch(/microphone=\(\)/);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });

  it("sends HSTS when the TLS proxy says the request came over HTTPS", async () => {
    const response = await fetch(s.url, { headers: { "x-forwarded-proto": "https" } });
    expect(response.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(response.headers.get("content-security-policy")).toMatch(/upgrade-insecure-requests/);
  });

  it("refuses cross-site state changes with 403 before the route runs: JSON for fetch, a page for forms", async () => {
    const before = s.ran.length;
    const fetchCall = await fetch(`${s.url}/tickets/claim`, { method: "POST", headers: { "sec-fetch-site": "cross-site", cookie: "tc_session=x" }, body: "{}" });
    expect(fetchCall.status).toBe(403);
    expect(await fetchCall.json()).toEqual({ error: CSRF_MESSAGE });
    const form = await fetch(`${s.url}/auth/logout`, { method: "POST", headers: { origin: "https://evil.example", accept: "text/html,*/*" } });
    expect(form.status).toBe(403);
    expect(form.headers.get("content-type")).toMatch(/text\/html/);
    expect(await form.text()).toContain(CSRF_MESSAGE);
    const refused: Array<Record<string, string>> = [{ "sec-fetch-site": "same-site" }, { origin: "null" }, { origin: "http://127.0.0.1:1" }];
    for (const headers of refused) {
      expect((await fetch(`${s.url}/login`, { method: "POST", headers })).status).toBe(403);
    }
    expect((await fetch(`${s.url}/x`, { method: "DELETE", headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
    expect(s.ran.length).toBe(before);
  });

  it("lets same-origin, typed-in and non-browser requests through, and every GET", async () => {
    const before = s.ran.length;
    const ok = [
      await fetch(`${s.url}/tickets/claim`, { method: "POST", headers: { "sec-fetch-site": "same-origin" } }),
      await fetch(`${s.url}/login`, { method: "POST", headers: { "sec-fetch-site": "none" } }),
      await fetch(`${s.url}/login`, { method: "POST", headers: { origin: s.url } }),
      await fetch(`${s.url}/login`, { method: "POST" }),
      await fetch(`${s.url}/events/x`, { headers: { "sec-fetch-site": "cross-site" } }),
    ];
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(s.ran.length).toBe(before + 5);
  });

  it("never blocks Stripe's webhook or the Stripe double's API (authenticated by signature / API key)", async () => {
    const webhook = await fetch(`${s.url}/webhooks/stripe`, { method: "POST", headers: { "sec-fetch-site": "cross-site", origin: "https://stripe.com" } });
    const api = await fetch(`${s.url}/v1/checkout/sessions`, { method: "POST", headers: { origin: "https://elsewhere.example" } });
    expect([webhook.status, api.status]).toEqual([200, 200]);
  });
});

describe("security headers with WalletConnect, real Stripe and APP_URL", () => {
  it("allows WalletConnect's relay only when a project id is set, and Stripe Checkout as a form target", () => {
    const base = envOf();
    const plain = directives(contentSecurityPolicy("n", base, false));
    expect(plain["connect-src"]!.some((s) => s.includes("walletconnect"))).toBe(false);
    const wc = directives(
      contentSecurityPolicy("n", envOf({ WALLETCONNECT_PROJECT_ID: "0123456789abcdef0123456789abcdef", STRIPE_SECRET_KEY: "sk_test_1", STRIPE_WEBHOOK_SECRET: "whsec_1" }), true),
    );
    expect(wc["connect-src"]).toEqual(expect.arrayContaining(["wss://relay.walletconnect.com", "wss://relay.walletconnect.org", "https://*.walletconnect.org"]));
    expect(wc["frame-src"]).toEqual(["https://verify.walletconnect.com", "https://verify.walletconnect.org"]);
    expect(wc["form-action"]).toEqual(["'self'", "https://checkout.stripe.com"]);
    expect(wc["upgrade-insecure-requests"]).toEqual([]);
  });

  it("accepts the APP_URL origin behind a proxy that rewrites Host, and sends HSTS for an https APP_URL", async () => {
    const s = await serve(envOf({ APP_URL: "https://tickets.example.com" }));
    try {
      const response = await fetch(`${s.url}/login`, { method: "POST", headers: { origin: "https://tickets.example.com" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("strict-transport-security")).toMatch(/max-age=31536000/);
      expect((await fetch(`${s.url}/login`, { method: "POST", headers: { origin: "https://evil.example.com" } })).status).toBe(403);
    } finally {
      await new Promise<void>((resolve) => s.server.close(() => resolve()));
    }
  });
});

describe("security headers of a JSON answer (the door's fast path)", () => {
  it("sends a policy that allows nothing and no nonce, nosniff, no framing, no document-only headers, and HSTS only on HTTPS", async () => {
    const write = apiSecurityHeaderWriter({ env: envOf() });
    const server = createServer((req, res) => {
      write(req, res);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const plain = await fetch(url);
      expect(plain.headers.get("content-security-policy")).toBe(API_CONTENT_SECURITY_POLICY);
      expect(directives(API_CONTENT_SECURITY_POLICY)).toEqual({ "default-src": ["'none'"], "frame-ancestors": ["'none'"] });
      expect(plain.headers.get("x-content-type-options")).toBe("nosniff");
      expect(plain.headers.get("x-frame-options")).toBe("DENY");
      expect(plain.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(plain.headers.get("permissions-policy")).toBeNull();
      expect(plain.headers.get("strict-transport-security")).toBeNull();
      const secure = await fetch(url, { headers: { "x-forwarded-proto": "https" } });
      expect(secure.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
