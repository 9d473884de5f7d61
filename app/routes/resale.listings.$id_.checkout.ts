import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { payments } from "~/services/payments.server";
import { startResaleCheckout } from "~/services/resale-card.server";
import { ResaleError } from "~/services/resale.server";
import { getUser } from "~/services/session.server";
import { getDbHandle } from "../../db/client.server";

/**
 * POST /resale/listings/:id/checkout (form: email, optional returnTo) — buy a resale listing by card: the
 * listing is reserved for this buyer (409 when someone else holds it), the card price is fixed from the
 * price feed, and the answer is 303 to the Stripe Checkout page (manual capture). Problems answer
 * 400/404/409/502/503 `{ error }` as JSON, or come back to `returnTo` with ?resaleError=… for a browser form.
 */

const empty = (value: unknown) => (value === "" || value === null ? undefined : value);
const Form = z.object({
  email: z.preprocess(empty, z.string().trim().toLowerCase().max(254).email("Enter a valid email address.").optional()),
  returnTo: z.preprocess(empty, z.string().regex(/^\/(?!\/)[\w\-./?=&%]*$/, "Invalid return path.").optional()),
});

export async function loader() {
  return new Response("Use POST to buy a resale ticket by card.", { status: 405, headers: { allow: "POST" } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response("Use POST to buy a resale ticket by card.", { status: 405, headers: { allow: "POST" } });
  const wantsJson = (request.headers.get("accept") ?? "").includes("application/json");
  let fields: Record<string, FormDataEntryValue> = {};
  try {
    fields = Object.fromEntries(await request.formData());
  } catch {
    /* not a form body */
  }
  const parsed = Form.safeParse(fields);
  const returnTo = parsed.success ? parsed.data.returnTo : undefined;
  const reply = (status: number, error: string) => {
    if (wantsJson || !returnTo) return Response.json({ error }, { status });
    const back = new URL(returnTo, "http://x");
    back.searchParams.set("resaleError", error);
    return redirect(`${back.pathname}${back.search}`, 303);
  };
  if (!parsed.success) return reply(400, parsed.error.issues[0]!.message);
  const user = await getUser(request);
  const email = parsed.data.email ?? user?.email ?? null;
  if (!email) return reply(400, "Enter your email address: your ticket is linked to it.");
  const handle = await getDbHandle();
  const { stripe, endpoint } = await payments(handle.db, request);
  try {
    const { url } = await startResaleCheckout(handle.db, stripe, params.id ?? "", { publicUrl: endpoint.publicUrl, userId: user?.id ?? null, email });
    return redirect(url, 303);
  } catch (error) {
    if (error instanceof ResaleError) return reply(error.status, error.message);
    throw error;
  }
}
