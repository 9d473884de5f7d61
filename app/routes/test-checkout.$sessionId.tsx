import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { publicEnv } from "~/env.server";
import { formatCents } from "~/lib/format";
import { doubleOptions } from "~/services/payments.server";
import { hostedCheckout, payHostedCheckout } from "~/services/stripe-double/double.server";
import { readForm } from "~/services/forms.server";
import { getDbHandle } from "../../db/client.server";

/**
 * /test-checkout/:sessionId — the local Stripe double's hosted payment page (what checkout.stripe.com
 * shows, in test mode). Only served when no STRIPE_SECRET_KEY is configured. Test cards:
 * 4242 4242 4242 4242 authorizes; 4000 0000 0000 0002 is declined.
 */

export const meta: MetaFunction = () => [{ title: "Test-mode checkout — TicketChain" }];

const SESSION_ID = /^cs_test_[0-9a-f]{48}$/;

async function find(params: LoaderFunctionArgs["params"]) {
  if (!publicEnv().testModePayments) throw new Response("Test-mode checkout is off: this server uses Stripe.", { status: 404 });
  const id = params.sessionId ?? "";
  const checkout = SESSION_ID.test(id) ? await hostedCheckout((await getDbHandle()).db, id) : null;
  if (!checkout) throw new Response("This checkout does not exist.", { status: 404 });
  return checkout;
}

export async function loader({ params }: LoaderFunctionArgs) {
  return { checkout: await find(params) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const checkout = await find(params);
  const form = await readForm(request);
  const text = (name: string) => String(form.get(name) ?? "");
  const result = await payHostedCheckout(
    (await getDbHandle()).db,
    checkout.id,
    { email: text("email"), cardNumber: text("cardNumber"), expiry: text("expiry"), cvc: text("cvc") },
    doubleOptions(request),
  );
  if (result.ok) return redirect(result.redirectTo, 303);
  return Response.json({ message: result.message, fieldErrors: result.fieldErrors }, { status: result.status });
}

const inputClass =
  "mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-base shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30 aria-[invalid=true]:border-red-600";

export default function TestCheckout() {
  const { checkout } = useLoaderData<typeof loader>();
  const actionData = useActionData<{ message: string; fieldErrors: Record<string, string> }>();
  const busy = useNavigation().state !== "idle";
  const errors = actionData?.fieldErrors ?? {};
  const open = checkout.status === "open" && checkout.expiresAt * 1000 > Date.now();
  return (
    <div className="mx-auto max-w-md">
      <p role="note" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-center text-sm font-semibold tracking-wide text-amber-900">
        TEST MODE — no real card is charged
      </p>
      <section aria-labelledby="summary-heading" className="mt-6 rounded-xl border border-zinc-200 bg-white p-5 shadow-sm">
        <h1 id="summary-heading" className="text-xl font-semibold">
          Pay {formatCents(checkout.amountTotal)}
        </h1>
        <ul className="mt-3 space-y-1 text-sm text-zinc-700">
          {checkout.lineItems.map((item) => (
            <li key={item.name} className="flex justify-between gap-4">
              <span>
                {item.quantity} × {item.name}
              </span>
              <span className="font-medium">{formatCents(item.unitAmount * item.quantity)}</span>
            </li>
          ))}
        </ul>
        <p className="mt-3 text-xs text-zinc-500">
          Your card is only authorized now. It is charged once your ticket has been issued on the blockchain; if that cannot
          happen, the authorization is cancelled.
        </p>
      </section>

      {!open ? (
        <p role="status" className="mt-6 rounded-md bg-zinc-100 p-4 text-zinc-800">
          {checkout.status === "complete" ? "This checkout is already paid." : "This checkout has expired. Nothing was charged."}
        </p>
      ) : (
        <Form method="post" className="mt-6 space-y-4 rounded-xl border border-zinc-200 bg-white p-5 shadow-sm" aria-label="Card details">
          {actionData?.message || checkout.lastError ? (
            <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800">
              {actionData?.message ?? checkout.lastError}
            </p>
          ) : null}
          <label className="block text-sm font-medium">
            Email
            <input name="email" type="email" required autoComplete="email" defaultValue={checkout.email ?? ""} aria-invalid={Boolean(errors.email)} className={inputClass} />
            {errors.email ? <span className="mt-1 block text-sm text-red-700">{errors.email}</span> : null}
          </label>
          <label className="block text-sm font-medium">
            Card number
            <input name="cardNumber" inputMode="numeric" required autoComplete="cc-number" placeholder="4242 4242 4242 4242" aria-invalid={Boolean(errors.cardNumber)} className={inputClass} />
            {errors.cardNumber ? <span className="mt-1 block text-sm text-red-700">{errors.cardNumber}</span> : null}
          </label>
          <div className="grid grid-cols-2 gap-4">
            <label className="block text-sm font-medium">
              Expiry (MM / YY)
              <input name="expiry" required autoComplete="cc-exp" placeholder="12 / 34" aria-invalid={Boolean(errors.expiry)} className={inputClass} />
              {errors.expiry ? <span className="mt-1 block text-sm text-red-700">{errors.expiry}</span> : null}
            </label>
            <label className="block text-sm font-medium">
              CVC
              <input name="cvc" inputMode="numeric" required autoComplete="cc-csc" placeholder="123" aria-invalid={Boolean(errors.cvc)} className={inputClass} />
              {errors.cvc ? <span className="mt-1 block text-sm text-red-700">{errors.cvc}</span> : null}
            </label>
          </div>
          <p className="text-xs text-zinc-500">Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined. Any future expiry and any CVC.</p>
          <button type="submit" disabled={busy} className="w-full rounded-md bg-brand-700 px-4 py-3 font-semibold text-white shadow-sm hover:bg-brand-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60">
            {busy ? "Processing…" : `Pay ${formatCents(checkout.amountTotal)}`}
          </button>
        </Form>
      )}
      {checkout.cancelUrl && open ? (
        <p className="mt-4 text-center">
          <a href={checkout.cancelUrl} className="text-sm text-zinc-600 underline">
            Cancel and go back
          </a>
        </p>
      ) : null}
    </div>
  );
}
