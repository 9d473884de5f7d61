import Stripe from "stripe";
import { env } from "~/env.server";
import type { Db } from "../../db/client.server";
import { doubleAccount, type DoubleOptions } from "./stripe-double/double.server";

/**
 * The payments provider: the official `stripe` SDK. With STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET it
 * talks to Stripe; without them (embedded defaults) the same SDK is pointed at the local Stripe double
 * this app serves under /v1 (app/services/stripe-double/), with the double's generated key and webhook
 * secret. Nothing else in the app knows which one it is talking to.
 */

/** The SDK pins its API version (stripe@23.1.0: 2026-10-28); the double answers in the same shapes. */

export interface PaymentsEndpoint {
  /** origin browsers use for this app (success/cancel URLs, the test-mode hosted page) */
  publicUrl: string;
  /** where this process can reach its own HTTP server (the double's API and webhook target) */
  internalUrl: string;
}

export interface Payments {
  stripe: Stripe;
  webhookSecret: string;
  testMode: boolean;
  endpoint: PaymentsEndpoint;
}

const GLOBAL_KEY = Symbol.for("ticketchain.payments");
type GlobalWithPayments = typeof globalThis & { [GLOBAL_KEY]?: { endpoint: PaymentsEndpoint; payments?: Promise<Payments> } };

/** Where the app is reachable; called by startPayments (server/main.ts) or tests, before the first payment. */
export function configurePaymentsEndpoint(endpoint: PaymentsEndpoint): void {
  (globalThis as GlobalWithPayments)[GLOBAL_KEY] = { endpoint };
}

export function paymentsEndpoint(request?: Request): PaymentsEndpoint {
  const configured = (globalThis as GlobalWithPayments)[GLOBAL_KEY]?.endpoint;
  if (configured) return configured;
  if (!request) throw new Error("payments are not configured: call startPayments() at start-up");
  const origin = new URL(request.url).origin;
  return { publicUrl: env().APP_URL ?? origin, internalUrl: origin };
}

/** The double's options for this app (hosted page on the public origin, webhooks to our own endpoint). */
export function doubleOptions(request?: Request): DoubleOptions {
  const endpoint = paymentsEndpoint(request);
  return { publicUrl: endpoint.publicUrl, webhookUrl: `${endpoint.internalUrl}/webhooks/stripe` };
}

/** The Stripe client of this process (real Stripe or the local double). */
export function payments(db: Db, request?: Request): Promise<Payments> {
  const g = globalThis as GlobalWithPayments;
  const endpoint = paymentsEndpoint(request);
  const holder = (g[GLOBAL_KEY] ??= { endpoint });
  if (!holder.payments) {
    holder.payments = (async () => {
      const e = env();
      if (e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET) {
        return {
          stripe: new Stripe(e.STRIPE_SECRET_KEY, { maxNetworkRetries: 2, timeout: 20_000 }),
          webhookSecret: e.STRIPE_WEBHOOK_SECRET,
          testMode: e.STRIPE_SECRET_KEY.startsWith("sk_test_") || e.STRIPE_SECRET_KEY.startsWith("rk_test_"),
          endpoint,
        };
      }
      const account = await doubleAccount(db);
      const internal = new URL(endpoint.internalUrl);
      return {
        stripe: new Stripe(account.secretKey, {
          host: internal.hostname,
          port: Number(internal.port || 80),
          protocol: "http",
          maxNetworkRetries: 2,
          timeout: 20_000,
        }),
        webhookSecret: account.webhookSecret,
        testMode: true,
        endpoint,
      };
    })().catch((error) => {
      delete holder.payments;
      throw error;
    });
  }
  return holder.payments;
}

/** Tests: forget the configured endpoint and client. */
export function resetPayments(): void {
  delete (globalThis as GlobalWithPayments)[GLOBAL_KEY];
}
