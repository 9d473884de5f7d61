import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import Stripe from "stripe";
import type { Db } from "../../../db/client.server";
import { stripeDoubleAccounts, stripeDoubleEvents, stripeDoubleIdempotency, stripeDoubleObjects } from "../../../db/schema";
import { decodeStripeForm, type FormValue } from "./form";

/**
 * The local Stripe double: the subset of Stripe's HTTP API this product uses, served by the app itself
 * on embedded defaults (docs/decisions/007-card-checkout.md). It follows the real protocol, so the
 * official `stripe` SDK talks to it unchanged (`new Stripe(key, { host, port, protocol: "http" })`):
 *   POST /v1/checkout/sessions                 GET  /v1/checkout/sessions/:id (expand[]=payment_intent)
 *   POST /v1/checkout/sessions/:id/expire      POST /v1/payment_intents/:id/capture
 *   POST /v1/payment_intents/:id/cancel        POST /v1/refunds
 * Form-encoded bodies, Stripe's JSON object shapes and error envelope, Bearer API key, Idempotency-Key
 * replays. The hosted page (/test-checkout/:id) takes test cards; webhooks (`checkout.session.completed`,
 * `checkout.session.expired`, `charge.refunded`) are signed with the SDK's own signer and the account's
 * webhook secret. All state lives in PostgreSQL/PGlite (`stripe_double_*`), so it survives restarts and
 * several app servers share it.
 */

export const API_VERSION = "2026-10-28";
export const TEST_CARD_SUCCESS = "4242424242424242";
export const TEST_CARD_DECLINE = "4000000000000002";
/** Stripe's bounds for a Checkout Session's `expires_at`: 30 minutes to 24 hours after creation. */
export const MIN_EXPIRY_SECONDS = 30 * 60;
export const MAX_EXPIRY_SECONDS = 24 * 3600;

type Json = Record<string, unknown>;
type StoredSession = Json & {
  id: string;
  object: string;
  status: "open" | "complete" | "expired";
  payment_intent: string | null;
  expires_at: number;
  amount_total: number;
  currency: string;
  _line_items: Array<{ name: string; unit_amount: number; quantity: number }>;
  _capture_method: "manual" | "automatic";
};

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: { code?: string; param?: string; decline_code?: string } = {},
  ) {
    super(message);
  }
  toJSON() {
    return { error: { type: this.type, message: this.message, ...this.extra } };
  }
}

const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string, bytes = 12) => `${prefix}_${randomBytes(bytes).toString("hex")}`;
/** Stripe hides nothing we need to keep; our own bookkeeping fields start with `_`. */
const publicView = (object: Json): Json => Object.fromEntries(Object.entries(object).filter(([key]) => !key.startsWith("_")));

// ---------------------------------------------------------------------------------------------------
// Account and objects
// ---------------------------------------------------------------------------------------------------

export interface DoubleAccount {
  secretKey: string;
  webhookSecret: string;
}

/** The double's API key and webhook secret: generated once, kept in the database (shared by app servers). */
/** The account's keys never change once created: read once per database handle, not on every API call. */
const accounts = new WeakMap<Db, Promise<DoubleAccount>>();

export function doubleAccount(db: Db): Promise<DoubleAccount> {
  let account = accounts.get(db);
  if (!account) {
    account = loadAccount(db).catch((error) => {
      accounts.delete(db);
      throw error;
    });
    accounts.set(db, account);
  }
  return account;
}

async function loadAccount(db: Db): Promise<DoubleAccount> {
  await db
    .insert(stripeDoubleAccounts)
    .values({
      id: "default",
      secretKey: `sk_test_local_${randomBytes(16).toString("hex")}`,
      webhookSecret: `whsec_local_${randomBytes(24).toString("hex")}`,
    })
    .onConflictDoNothing();
  const [row] = await db.select().from(stripeDoubleAccounts).where(eq(stripeDoubleAccounts.id, "default"));
  return { secretKey: row!.secretKey, webhookSecret: row!.webhookSecret };
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
type Q = Db | Tx;

async function load<T extends Json = Json>(db: Q, id: string, object: string, forUpdate = false): Promise<T> {
  const query = db.select({ data: stripeDoubleObjects.data }).from(stripeDoubleObjects).where(and(eq(stripeDoubleObjects.id, id), eq(stripeDoubleObjects.object, object)));
  const [row] = forUpdate ? await query.for("update") : await query;
  if (!row) throw new StripeApiError(404, "invalid_request_error", `No such ${object}: '${id}'`, { code: "resource_missing", param: "id" });
  return row.data as T;
}

async function save(db: Q, data: Json & { id: string; object: string }) {
  await db
    .insert(stripeDoubleObjects)
    .values({ id: data.id, object: data.object, data })
    .onConflictDoUpdate({ target: stripeDoubleObjects.id, set: { data, updatedAt: new Date() } });
}

/** Events created by this process (a request that created none has nothing to deliver). */
let emitted = 0;

async function emit(db: Q, type: string, object: Json) {
  emitted++;
  const id = newId("evt", 12);
  const payload = {
    id,
    object: "event",
    api_version: API_VERSION,
    created: now(),
    data: { object: publicView(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
  await db.insert(stripeDoubleEvents).values({ id, type, payload });
  return id;
}

// ---------------------------------------------------------------------------------------------------
// Webhook delivery (Stripe signs with the endpoint's secret and retries failed deliveries)
// ---------------------------------------------------------------------------------------------------

const signer = new Stripe("sk_test_signer_only");

/** Delivers the events not yet acknowledged (oldest first). Returns how many were delivered. */
export async function deliverPendingEvents(db: Db, webhookUrl: string, options: { maxAttempts?: number } = {}): Promise<number> {
  const { webhookSecret } = await doubleAccount(db);
  const pending = await db
    .select()
    .from(stripeDoubleEvents)
    .where(and(isNull(stripeDoubleEvents.deliveredAt), lt(stripeDoubleEvents.attempts, options.maxAttempts ?? 20)))
    .orderBy(asc(stripeDoubleEvents.createdAt))
    .limit(100);
  let delivered = 0;
  for (const event of pending) {
    const payload = JSON.stringify(event.payload);
    let error: string | null = null;
    try {
      const response = await fetch(webhookUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": signer.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }),
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) error = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    } catch (e) {
      error = (e as Error).message;
    }
    await db
      .update(stripeDoubleEvents)
      .set({ attempts: sql`${stripeDoubleEvents.attempts} + 1`, deliveredAt: error ? null : new Date(), lastError: error })
      .where(eq(stripeDoubleEvents.id, event.id));
    if (!error) delivered++;
  }
  return delivered;
}

// ---------------------------------------------------------------------------------------------------
// The HTTP API
// ---------------------------------------------------------------------------------------------------

export interface DoubleOptions {
  /** origin the buyer's browser uses for the hosted page (session.url) */
  publicUrl: string;
  /** where webhooks go (the app's /webhooks/stripe) */
  webhookUrl: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "request-id": newId("req", 7), "stripe-version": API_VERSION, ...headers },
  });

/** Serves one API request (`/v1/...`) the way api.stripe.com would. */
export async function handleStripeApi(db: Db, request: Request, options: DoubleOptions): Promise<Response> {
  const url = new URL(request.url);
  const account = await doubleAccount(db);
  const auth = request.headers.get("authorization") ?? "";
  if (auth !== `Bearer ${account.secretKey}`) {
    return json(401, new StripeApiError(401, "invalid_request_error", "Invalid API Key provided.").toJSON());
  }
  const method = request.method.toUpperCase();
  const raw = method === "GET" ? url.search.slice(1) : await request.text();
  const params = decodeStripeForm(raw);
  const key = method === "POST" ? request.headers.get("idempotency-key") : null;
  let claimed = false;
  if (key) {
    const fingerprint = createHash("sha256").update(`${method} ${url.pathname}\n${raw}`).digest("hex");
    const inserted = await db.insert(stripeDoubleIdempotency).values({ key, fingerprint }).onConflictDoNothing().returning({ key: stripeDoubleIdempotency.key });
    if (!inserted.length) {
      const [previous] = await db.select().from(stripeDoubleIdempotency).where(eq(stripeDoubleIdempotency.key, key));
      if (previous!.fingerprint !== fingerprint) {
        return json(
          400,
          new StripeApiError(400, "idempotency_error", `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`).toJSON(),
        );
      }
      if (previous!.status === null) {
        return json(409, new StripeApiError(409, "idempotency_error", "There is currently another in-progress request using this Idempotent Key.", { code: "idempotency_key_in_use" }).toJSON());
      }
      return json(previous!.status, previous!.body, { "idempotent-replayed": "true", "idempotency-key": key });
    }
    claimed = true;
  }
  let status = 200;
  let body: unknown;
  const emittedBefore = emitted;
  try {
    body = await route(db, method, url.pathname, params, options);
  } catch (error) {
    if (!(error instanceof StripeApiError)) {
      // Not stored: the client may retry with the same key after a server error (as with Stripe).
      if (claimed) await db.delete(stripeDoubleIdempotency).where(eq(stripeDoubleIdempotency.key, key!));
      throw error;
    }
    status = error.status;
    body = error.toJSON();
  }
  if (claimed) {
    await db.update(stripeDoubleIdempotency).set({ status, body: body as Json }).where(eq(stripeDoubleIdempotency.key, key!));
  }
  // Events created by this request go out right away (Stripe delivers within seconds); undelivered ones are
  // retried by the payments runtime's loop.
  if (emitted !== emittedBefore) void deliverPendingEvents(db, options.webhookUrl).catch(() => {});
  return json(status, body, key ? { "idempotency-key": key } : {});
}

async function route(db: Db, method: string, path: string, params: Record<string, FormValue>, options: DoubleOptions): Promise<Json> {
  let m: RegExpExecArray | null;
  if (method === "POST" && path === "/v1/checkout/sessions") return createSession(db, params, options);
  if (method === "GET" && (m = /^\/v1\/checkout\/sessions\/([\w]+)$/.exec(path))) return retrieveSession(db, m[1]!, params);
  if (method === "POST" && (m = /^\/v1\/checkout\/sessions\/([\w]+)\/expire$/.exec(path))) return expireSession(db, m[1]!);
  if (method === "POST" && (m = /^\/v1\/payment_intents\/([\w]+)\/capture$/.exec(path))) return capturePaymentIntent(db, m[1]!);
  if (method === "POST" && (m = /^\/v1\/payment_intents\/([\w]+)\/cancel$/.exec(path))) return cancelPaymentIntent(db, m[1]!, params);
  if (method === "GET" && (m = /^\/v1\/payment_intents\/([\w]+)$/.exec(path))) return publicView(await load(db, m[1]!, "payment_intent"));
  if (method === "POST" && path === "/v1/refunds") return createRefund(db, params);
  throw new StripeApiError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}). This test-mode double serves only the calls TicketChain makes.`);
}

const str = (value: FormValue | undefined) => (typeof value === "string" ? value : undefined);
function int(value: FormValue | undefined, param: string, { min = 0 } = {}): number {
  const text = str(value);
  if (text === undefined || !/^-?\d+$/.test(text) || Number(text) < min) {
    throw new StripeApiError(400, "invalid_request_error", `Invalid integer: ${text ?? ""}`, { param, code: "parameter_invalid_integer" });
  }
  return Number(text);
}
const missing = (param: string) => new StripeApiError(400, "invalid_request_error", `Missing required param: ${param}.`, { param, code: "parameter_missing" });

async function createSession(db: Db, params: Record<string, FormValue>, options: DoubleOptions): Promise<Json> {
  const mode = str(params.mode);
  if (!mode) throw missing("mode");
  if (mode !== "payment") throw new StripeApiError(400, "invalid_request_error", "This test-mode double supports only mode=payment.", { param: "mode" });
  const successUrl = str(params.success_url);
  if (!successUrl) throw missing("success_url");
  const lineItems = params.line_items;
  if (!Array.isArray(lineItems) || lineItems.length === 0) throw missing("line_items");
  let currency: string | null = null;
  const items = lineItems.map((item, i) => {
    if (typeof item !== "object" || Array.isArray(item)) throw missing(`line_items[${i}]`);
    const priceData = item.price_data;
    if (typeof priceData !== "object" || Array.isArray(priceData)) throw missing(`line_items[${i}][price_data]`);
    const itemCurrency = str(priceData.currency)?.toLowerCase();
    if (!itemCurrency) throw missing(`line_items[${i}][price_data][currency]`);
    if (currency && currency !== itemCurrency) throw new StripeApiError(400, "invalid_request_error", "All line items must share one currency.", { param: `line_items[${i}][price_data][currency]` });
    currency = itemCurrency;
    const product = priceData.product_data;
    const name = typeof product === "object" && !Array.isArray(product) ? str(product.name) : undefined;
    if (!name) throw missing(`line_items[${i}][price_data][product_data][name]`);
    return {
      name,
      unit_amount: int(priceData.unit_amount, `line_items[${i}][price_data][unit_amount]`, { min: 1 }),
      quantity: int(item.quantity, `line_items[${i}][quantity]`, { min: 1 }),
    };
  });
  const total = items.reduce((sum, item) => sum + item.unit_amount * item.quantity, 0);
  if (total < 50) {
    throw new StripeApiError(400, "invalid_request_error", "The Checkout Session's total amount due must add up to at least $0.50 usd", { code: "amount_too_small" });
  }
  const created = now();
  const expiresAt = params.expires_at === undefined ? created + MAX_EXPIRY_SECONDS : int(params.expires_at, "expires_at");
  if (expiresAt < created + MIN_EXPIRY_SECONDS - 5 || expiresAt > created + MAX_EXPIRY_SECONDS) {
    throw new StripeApiError(400, "invalid_request_error", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", { param: "expires_at" });
  }
  const intentData = params.payment_intent_data;
  const captureMethod = typeof intentData === "object" && !Array.isArray(intentData) && str(intentData.capture_method) === "manual" ? "manual" : "automatic";
  const metadata = typeof params.metadata === "object" && !Array.isArray(params.metadata) ? params.metadata : {};
  const id = newId("cs_test", 24);
  const session: StoredSession = {
    id,
    object: "checkout.session",
    amount_subtotal: items.reduce((sum, item) => sum + item.unit_amount * item.quantity, 0),
    amount_total: items.reduce((sum, item) => sum + item.unit_amount * item.quantity, 0),
    cancel_url: str(params.cancel_url) ?? null,
    client_reference_id: str(params.client_reference_id) ?? null,
    created,
    currency: currency!,
    customer: null,
    customer_details: null,
    customer_email: str(params.customer_email) ?? null,
    expires_at: expiresAt,
    livemode: false,
    metadata,
    mode: "payment",
    payment_intent: null,
    payment_method_types: ["card"],
    payment_status: "unpaid",
    status: "open",
    success_url: successUrl,
    ui_mode: "hosted",
    url: `${options.publicUrl.replace(/\/$/, "")}/test-checkout/${id}`,
    _line_items: items,
    _capture_method: captureMethod,
  };
  await save(db, session);
  return publicView(session);
}

async function retrieveSession(db: Db, id: string, params: Record<string, FormValue>): Promise<Json> {
  const session = await load<StoredSession>(db, id, "checkout.session");
  const view = publicView(session);
  const expand = Array.isArray(params.expand) ? params.expand : [];
  if (expand.includes("payment_intent") && session.payment_intent) {
    view.payment_intent = publicView(await load(db, session.payment_intent, "payment_intent"));
  }
  return view;
}

/** Expires an open session (API call or its `expires_at` passing); emits checkout.session.expired. */
async function expireSession(db: Db, id: string): Promise<Json> {
  const result = await db.transaction(async (tx) => {
    const session = await load<StoredSession>(tx, id, "checkout.session", true);
    if (session.status !== "open") {
      throw new StripeApiError(400, "invalid_request_error", `Only Checkout Sessions with a status of open can be expired. This session has a status of ${session.status}.`, { code: "checkout_session_not_open" });
    }
    session.status = "expired";
    if (session.payment_intent) {
      const intent = await load(tx, session.payment_intent, "payment_intent", true);
      Object.assign(intent, { status: "canceled", canceled_at: now(), cancellation_reason: "abandoned" });
      await save(tx, intent as Json & { id: string; object: string });
    }
    await save(tx, session);
    await emit(tx, "checkout.session.expired", session);
    return session;
  });
  return publicView(result);
}

/** Sessions whose `expires_at` passed while still open (Stripe expires them on its own). */
export async function expireOverdueSessions(db: Db): Promise<number> {
  const rows = await db
    .select({ id: stripeDoubleObjects.id })
    .from(stripeDoubleObjects)
    .where(
      and(
        eq(stripeDoubleObjects.object, "checkout.session"),
        sql`${stripeDoubleObjects.data}->>'status' = 'open'`,
        sql`(${stripeDoubleObjects.data}->>'expires_at')::bigint <= ${now()}`,
      ),
    );
  let expired = 0;
  for (const { id } of rows) {
    try {
      await expireSession(db, id);
      expired++;
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error; // completed meanwhile
    }
  }
  return expired;
}

async function capturePaymentIntent(db: Db, id: string): Promise<Json> {
  return db.transaction(async (tx) => {
    const intent = await load(tx, id, "payment_intent", true);
    if (intent.status !== "requires_capture") {
      throw new StripeApiError(400, "invalid_request_error", `This PaymentIntent could not be captured because it has a status of ${String(intent.status)}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`, { code: "payment_intent_unexpected_state" });
    }
    const charge = await load(tx, String(intent.latest_charge), "charge", true);
    Object.assign(charge, { captured: true, amount_captured: charge.amount });
    Object.assign(intent, { status: "succeeded", amount_capturable: 0, amount_received: intent.amount });
    await save(tx, charge as Json & { id: string; object: string });
    await save(tx, intent as Json & { id: string; object: string });
    return publicView(intent);
  });
}

const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"];

async function cancelPaymentIntent(db: Db, id: string, params: Record<string, FormValue>): Promise<Json> {
  const reason = str(params.cancellation_reason) ?? null;
  if (reason && !CANCELLATION_REASONS.includes(reason)) throw new StripeApiError(400, "invalid_request_error", `Invalid cancellation_reason: must be one of ${CANCELLATION_REASONS.join(", ")}`, { param: "cancellation_reason" });
  return db.transaction(async (tx) => {
    const intent = await load(tx, id, "payment_intent", true);
    if (!["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action"].includes(String(intent.status))) {
      throw new StripeApiError(400, "invalid_request_error", `You cannot cancel this PaymentIntent because it has a status of ${String(intent.status)}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`, { code: "payment_intent_unexpected_state" });
    }
    if (intent.latest_charge) {
      // The uncaptured authorization is released: the charge shows as refunded in full.
      const charge = await load(tx, String(intent.latest_charge), "charge", true);
      Object.assign(charge, { refunded: true, amount_refunded: charge.amount });
      await save(tx, charge as Json & { id: string; object: string });
    }
    Object.assign(intent, { status: "canceled", canceled_at: now(), cancellation_reason: reason, amount_capturable: 0 });
    await save(tx, intent as Json & { id: string; object: string });
    return publicView(intent);
  });
}

async function createRefund(db: Db, params: Record<string, FormValue>): Promise<Json> {
  return db.transaction(async (tx) => {
    let chargeId = str(params.charge);
    const intentId = str(params.payment_intent);
    if (!chargeId && !intentId) throw missing("charge");
    if (!chargeId) chargeId = String((await load(tx, intentId!, "payment_intent")).latest_charge ?? "");
    if (!chargeId) throw new StripeApiError(400, "invalid_request_error", "This PaymentIntent has no charge to refund.", { param: "payment_intent" });
    const charge = await load(tx, chargeId, "charge", true);
    if (!charge.captured) throw new StripeApiError(400, "invalid_request_error", `Charge ${chargeId} has not been captured; cancel the PaymentIntent instead.`, { code: "charge_not_captured" });
    const left = Number(charge.amount) - Number(charge.amount_refunded);
    const amount = params.amount === undefined ? left : int(params.amount, "amount", { min: 1 });
    if (amount > left || left === 0) {
      throw new StripeApiError(400, "invalid_request_error", `Charge ${chargeId} has already been refunded.`, { code: "charge_already_refunded" });
    }
    const refund = {
      id: newId("re"),
      object: "refund",
      amount,
      charge: chargeId,
      created: now(),
      currency: charge.currency,
      metadata: typeof params.metadata === "object" && !Array.isArray(params.metadata) ? params.metadata : {},
      payment_intent: charge.payment_intent,
      reason: str(params.reason) ?? null,
      status: "succeeded",
    };
    Object.assign(charge, { amount_refunded: Number(charge.amount_refunded) + amount, refunded: Number(charge.amount_refunded) + amount === Number(charge.amount) });
    await save(tx, refund);
    await save(tx, charge as Json & { id: string; object: string });
    await emit(tx, "charge.refunded", charge);
    return publicView(refund);
  });
}

// ---------------------------------------------------------------------------------------------------
// The hosted checkout page (what checkout.stripe.com does, in test mode)
// ---------------------------------------------------------------------------------------------------

export interface HostedCheckout {
  id: string;
  status: "open" | "complete" | "expired";
  amountTotal: number;
  currency: string;
  email: string | null;
  lineItems: Array<{ name: string; unitAmount: number; quantity: number }>;
  cancelUrl: string | null;
  expiresAt: number;
  /** why the last attempt failed (a declined card) */
  lastError: string | null;
}

export async function hostedCheckout(db: Db, id: string): Promise<HostedCheckout | null> {
  try {
    const session = await load<StoredSession>(db, id, "checkout.session");
    const intent = session.payment_intent ? await load(db, session.payment_intent, "payment_intent") : null;
    const lastError = (intent?.last_payment_error as { message?: string } | null | undefined)?.message ?? null;
    return {
      id: session.id,
      status: session.status,
      amountTotal: session.amount_total,
      currency: session.currency,
      email: (session.customer_email as string | null) ?? null,
      lineItems: session._line_items.map((item) => ({ name: item.name, unitAmount: item.unit_amount, quantity: item.quantity })),
      cancelUrl: (session.cancel_url as string | null) ?? null,
      expiresAt: session.expires_at,
      lastError: intent?.status === "requires_payment_method" ? lastError : null,
    };
  } catch (error) {
    if (error instanceof StripeApiError && error.status === 404) return null;
    throw error;
  }
}

export type PayResult =
  | { ok: true; redirectTo: string }
  | { ok: false; status: number; fieldErrors: Record<string, string>; message: string };

function luhn(number: string) {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * The buyer submits the hosted page: email and a test card. 4242… authorizes (manual capture:
 * the PaymentIntent waits in requires_capture), completes the session and sends
 * checkout.session.completed; 4000 0000 0000 0002 is declined (the session stays open).
 */
export async function payHostedCheckout(
  db: Db,
  id: string,
  input: { email: string; cardNumber: string; expiry: string; cvc: string },
  options: DoubleOptions,
): Promise<PayResult> {
  const fieldErrors: Record<string, string> = {};
  const email = input.email.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fieldErrors.email = "Enter a valid email address.";
  const card = input.cardNumber.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(card) || !luhn(card)) fieldErrors.cardNumber = "Your card number is invalid.";
  else if (card !== TEST_CARD_SUCCESS && card !== TEST_CARD_DECLINE) fieldErrors.cardNumber = "Test mode accepts only test cards: use 4242 4242 4242 4242.";
  const expiry = /^\s*(\d{1,2})\s*\/\s*(\d{2})\s*$/.exec(input.expiry);
  const expMonth = expiry ? Number(expiry[1]) : 0;
  const expYear = expiry ? 2000 + Number(expiry[2]) : 0;
  const today = new Date();
  if (!expiry || expMonth < 1 || expMonth > 12 || expYear * 12 + expMonth < today.getUTCFullYear() * 12 + today.getUTCMonth() + 1) {
    fieldErrors.expiry = "Your card's expiration date is invalid (MM / YY).";
  }
  if (!/^\d{3,4}$/.test(input.cvc.trim())) fieldErrors.cvc = "Your card's security code is incomplete.";
  if (Object.keys(fieldErrors).length) return { ok: false, status: 400, fieldErrors, message: "Check the highlighted fields." };

  const outcome = await db.transaction(async (tx) => {
    const session = await load<StoredSession>(tx, id, "checkout.session", true);
    if (session.status === "expired" || session.expires_at <= now()) return { kind: "expired" as const };
    if (session.status === "complete") return { kind: "complete" as const, session };
    const created = now();
    let intent: Json & { id: string; object: string };
    if (session.payment_intent) {
      intent = (await load(tx, session.payment_intent, "payment_intent", true)) as Json & { id: string; object: string };
    } else {
      intent = {
        id: newId("pi"),
        object: "payment_intent",
        amount: session.amount_total,
        amount_capturable: 0,
        amount_received: 0,
        capture_method: session._capture_method,
        canceled_at: null,
        cancellation_reason: null,
        created,
        currency: session.currency,
        latest_charge: null,
        last_payment_error: null,
        livemode: false,
        metadata: session.metadata,
        payment_method_types: ["card"],
        receipt_email: email,
        status: "requires_payment_method",
      };
      session.payment_intent = intent.id;
    }
    if (card === TEST_CARD_DECLINE) {
      intent.last_payment_error = { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." };
      intent.status = "requires_payment_method";
      await save(tx, intent);
      await save(tx, session);
      return { kind: "declined" as const };
    }
    const manual = session._capture_method === "manual";
    const charge = {
      id: newId("ch"),
      object: "charge",
      amount: session.amount_total,
      amount_captured: manual ? 0 : session.amount_total,
      amount_refunded: 0,
      billing_details: { email },
      captured: !manual,
      created,
      currency: session.currency,
      livemode: false,
      paid: true,
      payment_intent: intent.id,
      payment_method_details: { type: "card", card: { brand: "visa", last4: card.slice(-4), exp_month: expMonth, exp_year: expYear, capture_before: created + 7 * 86400 } },
      refunded: false,
      status: "succeeded",
    };
    Object.assign(intent, {
      status: manual ? "requires_capture" : "succeeded",
      amount_capturable: manual ? session.amount_total : 0,
      amount_received: manual ? 0 : session.amount_total,
      latest_charge: charge.id,
      last_payment_error: null,
    });
    Object.assign(session, {
      status: "complete",
      // With manual capture Stripe reports "unpaid" here: the PaymentIntent's status is what counts.
      payment_status: manual ? "unpaid" : "paid",
      customer_details: { email, name: null },
    });
    await save(tx, charge);
    await save(tx, intent);
    await save(tx, session);
    await emit(tx, "checkout.session.completed", session);
    return { kind: "complete" as const, session };
  });
  if (outcome.kind === "expired") return { ok: false, status: 410, fieldErrors: {}, message: "This checkout has expired. Nothing was charged; start again from the event page." };
  if (outcome.kind === "declined") return { ok: false, status: 402, fieldErrors: { cardNumber: "Your card was declined." }, message: "Your card was declined. Nothing was charged." };
  await deliverPendingEvents(db, options.webhookUrl).catch(() => 0);
  return { ok: true, redirectTo: String(outcome.session.success_url).replaceAll("{CHECKOUT_SESSION_ID}", outcome.session.id) };
}
