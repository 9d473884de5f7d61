import { randomFillSync } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { mainnet, polygon, polygonAmoy, sepolia } from "viem/chains";
import { env, type Env } from "../app/env.server";

/**
 * Security headers on every response (docs/decisions/016-web-security.md).
 *
 * - Content-Security-Policy with a fresh nonce per request (`res.locals.cspNonce`, handed to Remix through
 *   the load context: app/entry.server.tsx renders `<Scripts nonce>`, `<ScrollRestoration nonce>` and the
 *   `window.ENV` script with it). Scripts come only from this origin or carry the nonce; the browser may talk
 *   to this origin, the chain's JSON-RPC (the local chain's URL, or the public RPC wagmi uses on a real chain)
 *   and, only when WALLETCONNECT_PROJECT_ID is set, WalletConnect's relay and Coinbase's wallet bridge.
 *   Nobody may frame the site (`frame-ancestors 'none'`; the test-mode checkout page is a same-origin page,
 *   not a frame). Forms post to this origin (and redirect to Stripe Checkout when real Stripe is set).
 * - Strict-Transport-Security only on HTTPS: APP_URL is https://, or the request came over TLS, or the
 *   TLS-terminating proxy says so with X-Forwarded-Proto: https. Sending it over plain HTTP would be ignored
 *   by browsers anyway; a local http://localhost run never gets it.
 * - X-Content-Type-Options, Referrer-Policy, Permissions-Policy (camera for this origin only: the door
 *   scanner reads QR codes with it), X-Frame-Options for old browsers, Cross-Origin-Opener-Policy.
 *
 * In `npm run dev` the policy is sent as Content-Security-Policy-Report-Only: Vite's hot reload injects
 * scripts and opens a WebSocket that the production policy would block.
 */

export interface SecurityHeaderOptions {
  env?: Env;
  /** `npm run dev`: report-only policy */
  dev?: boolean;
}

const REAL_CHAINS = { polygon, amoy: polygonAmoy, ethereum: mainnet, sepolia } as const;

/** Origins the browser's wallet code reads the chain from (wagmi's `http()` transport). */
export function rpcOrigins(e: Env): string[] {
  if (e.chain === "local") {
    // The browser connects to the same host:port the app tells it (publicEnv().localRpcUrl); 127.0.0.1 and
    // localhost are both allowed because a developer may open the app under either name.
    const hosts = new Set([e.LOCAL_CHAIN_HOST, "127.0.0.1", "localhost"]);
    return [...hosts].map((host) => `http://${host}:${e.LOCAL_CHAIN_PORT}`);
  }
  const chain = REAL_CHAINS[e.chain];
  return chain.rpcUrls.default.http.map((url) => new URL(url).origin);
}

const WALLETCONNECT_CONNECT = [
  "wss://relay.walletconnect.com",
  "wss://relay.walletconnect.org",
  "https://*.walletconnect.com",
  "https://*.walletconnect.org",
  "https://api.web3modal.org",
  // Coinbase Wallet (offered with the WalletConnect set)
  "https://*.coinbase.com",
  "wss://*.walletlink.org",
];
const WALLETCONNECT_FRAMES = ["https://verify.walletconnect.com", "https://verify.walletconnect.org"];

export function contentSecurityPolicy(nonce: string, e: Env, secure: boolean): string {
  const walletConnect = Boolean(e.WALLETCONNECT_PROJECT_ID);
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": ["'self'", `'nonce-${nonce}'`],
    // React and RainbowKit set style attributes; inline styles cannot run code.
    "style-src": ["'self'", "'unsafe-inline'"],
    // Event images are promoter-given https URLs; QR codes and wallet icons are data: URLs.
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'", ...new Set(rpcOrigins(e)), ...(walletConnect ? WALLETCONNECT_CONNECT : [])],
    "frame-src": walletConnect ? WALLETCONNECT_FRAMES : ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'", ...(e.STRIPE_SECRET_KEY ? ["https://checkout.stripe.com"] : [])],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
    "worker-src": ["'self'", "blob:"],
    "manifest-src": ["'self'"],
  };
  const parts = Object.entries(directives).map(([name, values]) => `${name} ${values.join(" ")}`);
  if (secure) parts.push("upgrade-insecure-requests");
  return parts.join("; ");
}

export const PERMISSIONS_POLICY =
  "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), bluetooth=(), midi=(), display-capture=(), interest-cohort=()";

export const HSTS = "max-age=31536000; includeSubDomains";

/** Whether this request reached the site over HTTPS (see the module comment). */
export function isHttps(req: IncomingMessage, e: Env): boolean {
  if (e.APP_URL) return e.APP_URL.startsWith("https:");
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  const proto = req.headers["x-forwarded-proto"];
  return typeof proto === "string" && proto.split(",")[0]!.trim().toLowerCase() === "https";
}

/** 128-bit nonces cut from a pool refilled 256 at a time (one getrandom call, not one per request). */
const NONCE_BYTES = 16;
const pool = Buffer.alloc(NONCE_BYTES * 256);
let poolOffset = pool.length;
export function newNonce(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const nonce = pool.toString("base64", poolOffset, poolOffset + NONCE_BYTES);
  poolOffset += NONCE_BYTES;
  return nonce;
}

/**
 * Sets the security headers on `res` and returns its CSP nonce. Shared by the Express middleware below and
 * the micro-cache's answer in front of Express (server/response-cache.ts), so both send the same headers.
 */
export function securityHeaderWriter(options: SecurityHeaderOptions = {}): (req: IncomingMessage, res: ServerResponse) => string {
  const e = options.env ?? env();
  const cspHeader = options.dev ? "Content-Security-Policy-Report-Only" : "Content-Security-Policy";
  // The policy is the same for every request but for its nonce: built once (plain and HTTPS), split there.
  const MARK = "\u0000";
  const [plainBefore, plainAfter] = contentSecurityPolicy(MARK, e, false).split(MARK) as [string, string];
  const [secureBefore, secureAfter] = contentSecurityPolicy(MARK, e, true).split(MARK) as [string, string];
  return (req, res) => {
    const nonce = newNonce();
    const secure = isHttps(req, e);
    res.setHeader(cspHeader, secure ? secureBefore + nonce + secureAfter : plainBefore + nonce + plainAfter);
    if (secure) res.setHeader("Strict-Transport-Security", HSTS);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
    res.setHeader("X-Frame-Options", "DENY");
    // Wallet SDKs (Coinbase) open popups that must be able to answer the opener.
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin-allow-popups");
    return nonce;
  };
}

/**
 * The policy of an answer that is data, not a page (the door's JSON answers on the fast path): it loads
 * nothing, runs nothing and may not be framed, so it needs no script nonce. The same policy as JSON APIs
 * commonly send; stricter than the pages', which must allow the app's own scripts and the chain's RPC.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Sets the security headers of a JSON answer on `res`: API_CONTENT_SECURITY_POLICY, HSTS on HTTPS (as
 * securityHeaderWriter decides it), nosniff, the referrer policy and X-Frame-Options. No nonce and none of
 * the headers only a document uses (Permissions-Policy, Cross-Origin-Opener-Policy): at the door's rate the
 * page policy's per-request nonce and ~700-byte header were a measurable part of each answer.
 */
export function apiSecurityHeaderWriter(options: SecurityHeaderOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const e = options.env ?? env();
  const cspHeader = options.dev ? "Content-Security-Policy-Report-Only" : "Content-Security-Policy";
  return (req, res) => {
    res.setHeader(cspHeader, API_CONTENT_SECURITY_POLICY);
    if (isHttps(req, e)) res.setHeader("Strict-Transport-Security", HSTS);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("X-Frame-Options", "DENY");
  };
}

export function securityHeaders(options: SecurityHeaderOptions = {}) {
  const write = securityHeaderWriter(options);
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.cspNonce = write(req, res);
    next();
  };
}

