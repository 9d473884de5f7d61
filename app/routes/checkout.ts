import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { checkoutSchema, fieldErrors } from "~/lib/checkout";
import { CheckoutError, startCheckout } from "~/services/orders.server";
import { payments } from "~/services/payments.server";
import { clientIp, hit, LIMITS, waitMessage } from "~/services/rate-limits.server";
import { getUser } from "~/services/session.server";
import { getDbHandle } from "../../db/client.server";

/**
 * POST /checkout (form: eventSlug or eventId, tierId, quantity 1..10, optional email, optional returnTo):
 * reserves the seats, opens a Stripe Checkout Session (card authorized now, captured once the ticket is
 * minted) and answers 303 to the payment page. Problems answer 400/404/409/502 with a message: JSON when
 * the client accepts JSON; a browser form comes back to `returnTo` with the message (?checkoutError=…).
 */

export async function loader() {
  return new Response("Use POST to start a card checkout.", { status: 405, headers: { allow: "POST" } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response("Use POST to start a card checkout.", { status: 405, headers: { allow: "POST" } });
  const wantsJson = (request.headers.get("accept") ?? "").includes("application/json");
  let form: FormData | null = null;
  try {
    form = await request.formData();
  } catch {
    /* not a form body */
  }
  const parsed = form ? checkoutSchema.safeParse(Object.fromEntries(form)) : null;
  const returnTo = parsed?.success ? parsed.data.returnTo : safeReturnTo(form?.get("returnTo"));
  const reply = (status: number, body: { error: string; code: string; fieldErrors?: Record<string, string> }, headers?: HeadersInit) => {
    if (wantsJson || !returnTo) return Response.json(body, { status, headers });
    const back = new URL(returnTo, "http://x");
    back.searchParams.set("checkoutError", body.fieldErrors ? Object.values(body.fieldErrors).join(" ") : body.error);
    return redirect(`${back.pathname}${back.search}`, { status: 303, headers });
  };
  // Checkout attempts per account and per client IP (each checkout holds seats; invalid attempts count
  // too): 429 with Retry-After; a browser form comes back to its page with the message.
  const user = await getUser(request);
  for (const [limit, key] of [...(user ? ([[LIMITS.purchaseUser, user.id]] as const) : []), [LIMITS.purchaseIp, clientIp(context)] as const]) {
    const wait = await hit(limit, key);
    if (wait !== null) {
      return reply(429, { error: waitMessage(wait).replace("Too many attempts", "Too many checkouts"), code: "rate_limited" }, { "Retry-After": String(wait) });
    }
  }
  if (!parsed || !parsed.success) {
    const errors = parsed && !parsed.success ? fieldErrors(parsed.error) : { form: "Send the checkout as a form (application/x-www-form-urlencoded)." };
    return reply(400, { error: "Please check the order details.", code: "invalid_request", fieldErrors: errors });
  }
  const handle = await getDbHandle();
  const { stripe, endpoint } = await payments(handle.db, request);
  try {
    const { url } = await startCheckout(handle.db, stripe, parsed.data, { publicUrl: endpoint.publicUrl });
    return redirect(url, 303);
  } catch (error) {
    if (error instanceof CheckoutError) return reply(error.status, { error: error.message, code: error.code });
    throw error;
  }
}

function safeReturnTo(value: FormDataEntryValue | null | undefined): string | undefined {
  return typeof value === "string" && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) ? value : undefined;
}
