import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { publicEnv } from "~/env.server";
import { doubleOptions } from "~/services/payments.server";
import { handleStripeApi } from "~/services/stripe-double/double.server";
import { getDbHandle } from "../../db/client.server";

/**
 * /v1/* — the local Stripe double's API (test mode only; with STRIPE_SECRET_KEY set this answers 404 and
 * the SDK talks to api.stripe.com). See app/services/stripe-double/double.server.ts.
 */
async function serve(request: Request) {
  if (!publicEnv().testModePayments) return new Response("Not found", { status: 404 });
  const handle = await getDbHandle();
  return handleStripeApi(handle.db, request, doubleOptions(request));
}

export const loader = ({ request }: LoaderFunctionArgs) => serve(request);
export const action = ({ request }: ActionFunctionArgs) => serve(request);
