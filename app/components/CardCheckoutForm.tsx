import { useLocation, useRouteLoaderData, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { MAX_TICKETS_PER_ORDER } from "~/lib/checkout";
import { formatCents } from "~/lib/format";
import type { loader as rootLoader } from "~/root";

/**
 * "Pay by card": tier, quantity, email → POST /checkout (a plain form: works without JavaScript), which
 * reserves the seats and sends the buyer to the payment page. Errors come back as ?checkoutError=….
 */
export interface CheckoutTier {
  id: string;
  name: string;
  priceCents: number;
  remaining: number;
}

export function CardCheckoutForm({ eventSlug, tiers, disabled = false }: { eventSlug: string; tiers: CheckoutTier[]; disabled?: boolean }) {
  const testMode = useRouteLoaderData<typeof rootLoader>("root")?.ENV.testModePayments ?? false;
  const [search] = useSearchParams();
  const location = useLocation();
  const error = search.get("checkoutError");
  const available = tiers.filter((t) => t.remaining > 0);
  const [tierId, setTierId] = useState(available[0]?.id ?? "");
  const [quantity, setQuantity] = useState(1);
  const tier = tiers.find((t) => t.id === tierId);
  const max = Math.min(MAX_TICKETS_PER_ORDER, tier?.remaining ?? MAX_TICKETS_PER_ORDER);
  const closed = disabled || available.length === 0;
  return (
    <section aria-labelledby="card-checkout-heading" className="mt-8 rounded-xl border border-zinc-200 bg-white p-5 shadow-sm">
      <div className="flex items-center justify-between gap-2">
        <h2 id="card-checkout-heading" className="text-xl font-semibold">
          Pay by card
        </h2>
        {testMode ? <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">test mode</span> : null}
      </div>
      <p className="mt-1 text-sm text-zinc-600">No wallet needed: we keep your ticket safe in a wallet linked to your email. Your card is charged only once the ticket is issued.</p>
      {error ? (
        <p role="alert" className="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {closed ? (
        <p className="mt-3 font-medium text-red-700">{disabled ? "Ticket sales are closed." : "Sold out"}</p>
      ) : (
        <form method="post" action="/checkout" className="mt-4 grid gap-4 sm:grid-cols-[2fr_1fr]">
          <input type="hidden" name="eventSlug" value={eventSlug} />
          <input type="hidden" name="returnTo" value={location.pathname} />
          <label className="block text-sm font-medium">
            Ticket type
            <select name="tierId" value={tierId} onChange={(e) => setTierId(e.target.value)} required className="mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-base">
              {tiers.map((t) => (
                <option key={t.id} value={t.id} disabled={t.remaining === 0}>
                  {t.name} — {formatCents(t.priceCents)}
                  {t.remaining === 0 ? " (sold out)" : ""}
                </option>
              ))}
            </select>
          </label>
          <label className="block text-sm font-medium">
            Quantity
            <input name="quantity" type="number" min={1} max={max} step={1} required value={quantity} onChange={(e) => setQuantity(Number(e.target.value))} className="mt-1 block w-full rounded-md border border-zinc-300 px-3 py-2 text-base" />
          </label>
          <label className="block text-sm font-medium sm:col-span-2">
            Email <span className="font-normal text-zinc-500">(your tickets are linked to it)</span>
            <input name="email" type="email" autoComplete="email" maxLength={254} className="mt-1 block w-full rounded-md border border-zinc-300 px-3 py-2 text-base" />
          </label>
          <button type="submit" className="rounded-md bg-brand-700 px-4 py-3 font-semibold text-white shadow-sm hover:bg-brand-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 sm:col-span-2">
            Pay by card{tier && Number.isInteger(quantity) && quantity > 0 ? ` · ${formatCents(tier.priceCents * quantity)}` : ""}
          </button>
        </form>
      )}
    </section>
  );
}
