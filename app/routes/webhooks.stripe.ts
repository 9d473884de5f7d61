import type { ActionFunctionArgs } from "@remix-run/node";
import type Stripe from "stripe";
import { handleStripeEvent } from "~/services/orders.server";
import { payments } from "~/services/payments.server";
import { paymentsRuntime } from "~/services/payments-runtime.server";
import { getDbHandle } from "../../db/client.server";

/**
 * POST /webhooks/stripe — the endpoint to configure in the Stripe dashboard (events:
 * checkout.session.completed, checkout.session.expired, charge.refunded). The raw body is verified
 * with the endpoint's signing secret (`stripe.webhooks.constructEvent`, 300 s tolerance); a bad or stale
 * signature answers 400 and changes nothing. Events are applied once (by event id) and in any order.
 */

export async function loader() {
  return new Response("Stripe webhooks are POSTed here.", { status: 405, headers: { allow: "POST" } });
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
  const raw = await request.text();
  const signature = request.headers.get("stripe-signature") ?? "";
  const handle = await getDbHandle();
  const { stripe, webhookSecret } = await payments(handle.db, request);
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(raw, signature, webhookSecret);
  } catch {
    return Response.json({ error: "invalid signature" }, { status: 400 });
  }
  const outcome = await handleStripeEvent(handle.db, paymentsRuntime().boss, stripe, event);
  return Response.json({ received: true, outcome });
}
