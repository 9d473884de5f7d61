import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, openDb, type DbHandle } from "../../../db/client.server";
import { databaseBackends, type TestDatabase } from "../../../test/support/databases";
import { serveFetch, type FetchServer } from "../../../test/support/fetch-server";
import { doubleAccount, handleStripeApi, payHostedCheckout } from "./double.server";

/** The Stripe double speaks Stripe's protocol to the official SDK: auth, errors, idempotency, state rules. */
describe.each(databaseBackends())("the local Stripe double (database: %s)", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  let server: FetchServer;
  let stripe: Stripe;
  const webhooks: string[] = [];
  const signatures: string[] = [];

  beforeAll(async () => {
    database = await create();
    handle = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    server = await serveFetch(async (request) => {
      const url = new URL(request.url);
      if (url.pathname === "/webhooks/stripe") {
        webhooks.push(await request.text());
        signatures.push(request.headers.get("stripe-signature") ?? "");
        return new Response("ok");
      }
      return handleStripeApi(handle.db, request, { publicUrl: "https://tickets.example", webhookUrl: `${server.url}/webhooks/stripe` });
    });
    const { secretKey } = await doubleAccount(handle.db);
    const { port } = new URL(server.url);
    stripe = new Stripe(secretKey, { host: "127.0.0.1", port: Number(port), protocol: "http", maxNetworkRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await handle?.close();
    await database?.drop();
  });

  const params = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams => ({
    mode: "payment",
    line_items: [{ quantity: 2, price_data: { currency: "usd", unit_amount: 4500, product_data: { name: "GA" } } }],
    payment_intent_data: { capture_method: "manual" },
    metadata: { orderId: "o-1" },
    success_url: "https://tickets.example/orders/o-1?session_id={CHECKOUT_SESSION_ID}",
    expires_at: Math.floor(Date.now() / 1000) + 31 * 60,
    ...extra,
  });

  it("refuses a wrong API key like Stripe (401, AuthenticationError)", async () => {
    const { port } = new URL(server.url);
    const wrong = new Stripe("sk_test_wrong", { host: "127.0.0.1", port: Number(port), protocol: "http", maxNetworkRetries: 0 });
    await expect(wrong.checkout.sessions.create(params())).rejects.toMatchObject({ type: "StripeAuthenticationError", statusCode: 401 });
  });

  it("replays an Idempotency-Key and refuses the key with other parameters", async () => {
    // The same parameters (one expires_at: two params() calls a second apart would differ, as with Stripe).
    const same = params();
    const first = await stripe.checkout.sessions.create(same, { idempotencyKey: "checkout:o-1" });
    const again = await stripe.checkout.sessions.create(same, { idempotencyKey: "checkout:o-1" });
    expect(again.id).toBe(first.id);
    expect(first).toMatchObject({ object: "checkout.session", amount_total: 9000, status: "open", payment_status: "unpaid", url: `https://tickets.example/test-checkout/${first.id}` });
    await expect(stripe.checkout.sessions.create({ ...same, metadata: { orderId: "o-2" } }, { idempotencyKey: "checkout:o-1" })).rejects.toMatchObject({ type: "StripeIdempotencyError" });
  });

  it("validates parameters with Stripe's error envelope (param, code)", async () => {
    await expect(stripe.checkout.sessions.create(params({ expires_at: Math.floor(Date.now() / 1000) + 60 }))).rejects.toMatchObject({ type: "StripeInvalidRequestError", param: "expires_at" });
    await expect(stripe.checkout.sessions.create({ ...params(), success_url: undefined as never })).rejects.toMatchObject({ code: "parameter_missing", param: "success_url" });
    await expect(stripe.checkout.sessions.retrieve("cs_test_nope")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("authorizes with manual capture, captures once, refunds once, and signs its webhooks", async () => {
    const session = await stripe.checkout.sessions.create(params());
    const paid = await payHostedCheckout(handle.db, session.id, { email: "fan@example.com", cardNumber: "4242 4242 4242 4242", expiry: "12/34", cvc: "123" }, { publicUrl: "https://tickets.example", webhookUrl: `${server.url}/webhooks/stripe` });
    expect(paid).toEqual({ ok: true, redirectTo: `https://tickets.example/orders/o-1?session_id=${session.id}` });
    const complete = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
    const intent = complete.payment_intent as Stripe.PaymentIntent;
    expect(complete).toMatchObject({ status: "complete", payment_status: "unpaid", customer_details: { email: "fan@example.com" } });
    expect(intent).toMatchObject({ object: "payment_intent", status: "requires_capture", amount_capturable: 9000, capture_method: "manual" });
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ type: "StripeInvalidRequestError" });

    const { webhookSecret } = await doubleAccount(handle.db);
    const delivered = webhooks.map((body) => JSON.parse(body) as Stripe.Event).find((e) => e.type === "checkout.session.completed" && (e.data.object as { id: string }).id === session.id);
    expect(delivered).toBeDefined();

    expect(await stripe.paymentIntents.capture(intent.id)).toMatchObject({ status: "succeeded", amount_received: 9000 });
    await expect(stripe.paymentIntents.capture(intent.id)).rejects.toMatchObject({ code: "payment_intent_unexpected_state" });
    await expect(stripe.paymentIntents.cancel(intent.id)).rejects.toMatchObject({ code: "payment_intent_unexpected_state" });
    expect(await stripe.refunds.create({ payment_intent: intent.id })).toMatchObject({ object: "refund", amount: 9000, status: "succeeded" });
    await expect(stripe.refunds.create({ payment_intent: intent.id })).rejects.toMatchObject({ code: "charge_already_refunded" });
    // Every webhook the double sent carries a Stripe-Signature that the SDK accepts for the account's
    // secret, and only for it.
    const verifier = new Stripe("sk_test_x");
    expect(webhooks.length).toBeGreaterThan(0);
    webhooks.forEach((body, i) => {
      expect(verifier.webhooks.constructEvent(body, signatures[i]!, webhookSecret).id).toMatch(/^evt_/);
      expect(() => verifier.webhooks.constructEvent(body, signatures[i]!, "whsec_other")).toThrow();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(webhooks.map((body) => (JSON.parse(body) as Stripe.Event).type)).toContain("charge.refunded");
  });

  it("declines 4000 0000 0000 0002 and leaves the session open", async () => {
    const session = await stripe.checkout.sessions.create(params());
    const declined = await payHostedCheckout(handle.db, session.id, { email: "fan@example.com", cardNumber: "4000000000000002", expiry: "12/34", cvc: "123" }, { publicUrl: "https://x", webhookUrl: `${server.url}/webhooks/stripe` });
    expect(declined).toMatchObject({ ok: false, status: 402, fieldErrors: { cardNumber: "Your card was declined." } });
    const after = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent"] });
    expect(after.status).toBe("open");
    expect((after.payment_intent as Stripe.PaymentIntent).status).toBe("requires_payment_method");
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe("expired");
  });
});
