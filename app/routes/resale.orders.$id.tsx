import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";
import { formatCents, formatWei, shortAddress } from "~/lib/format";
import { weiToCents } from "~/lib/prices";
import { viemChain } from "~/services/chain.server";
import { resaleOrderView } from "~/services/resale-card.server";
import { getDbHandle } from "../../db/client.server";

/**
 * /resale/orders/:id — the status of a card purchase of a resale ticket, refreshed every 1.5 s until final:
 * "Payment authorized — transferring your ticket…" → "Your ticket is yours" (ticket number, transaction), or
 * "Not charged: …". The id is an unguessable UUID; the buyer's email is shown masked.
 */

export const meta: MetaFunction = () => [{ title: "Your resale ticket — TicketChain" }];

export async function loader({ params }: LoaderFunctionArgs) {
  const order = await resaleOrderView((await getDbHandle()).db, params.id ?? "");
  if (!order) throw new Response("We could not find this order.", { status: 404 });
  return { order, coin: viemChain().nativeCurrency.symbol };
}

const PENDING = ["reserved", "authorized", "filling", "filled"];

export default function ResaleOrderPage() {
  const { order, coin } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const revalidator = useRevalidator();
  const pending = PENDING.includes(order.status);
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 1500);
    return () => clearInterval(timer);
  }, [pending, revalidator]);
  const cancelled = search.get("cancelled") === "1" && order.status === "reserved";
  // One coin in cents at the rate fixed at checkout (the feed's answer with its decimals), for the breakdown.
  const coinCents = weiToCents(10n ** 18n, BigInt(order.rateAnswer), order.rateDecimals);
  return (
    <article className="mx-auto max-w-xl">
      <p className="text-sm text-zinc-600">
        <Link to={`/events/${order.eventSlug}`} className="underline">
          {order.eventName}
        </Link>
      </p>
      <h1 className="mt-1 text-2xl font-bold tracking-tight">
        Resale ticket #{order.tokenId} · {formatCents(order.amountCents)}
      </h1>
      <p className="mt-1 text-sm text-zinc-600" data-testid="resale-card-price">
        {formatWei(order.priceWei, coin)} at {formatCents(coinCents)} per {coin} (the rate when you checked out), rounded up to the cent. No card fee.
      </p>

      <div role="status" aria-live="polite" className="mt-6">
        {order.status === "paid" ? (
          <section className="rounded-xl border border-emerald-200 bg-emerald-50 p-5 text-emerald-900">
            <h2 className="text-lg font-semibold">Ticket #{order.tokenId} is yours</h2>
            <p className="mt-1 text-sm">
              It is in the wallet we keep for {order.email ?? "you"} ({order.recipient ? shortAddress(order.recipient) : ""}). Your card has been charged{" "}
              {formatCents(order.amountCents)}. Find it under <Link to="/tickets" className="underline">My tickets</Link>.
            </p>
            {order.txHash ? (
              <p className="mt-3 break-all text-xs text-emerald-800">
                Transaction <code>{order.txHash}</code>
              </p>
            ) : null}
          </section>
        ) : order.status === "expired" || order.status === "voided" ? (
          <section className="rounded-xl border border-red-200 bg-red-50 p-5 text-red-900">
            <h2 className="text-lg font-semibold">Not charged: {order.failureReason ?? (order.status === "expired" ? "the checkout expired" : "the ticket could not be transferred")}</h2>
            <p className="mt-1 text-sm">Any authorization on your card has been released.</p>
          </section>
        ) : order.status === "refunded" ? (
          <section className="rounded-xl border border-zinc-200 bg-white p-5">
            <h2 className="text-lg font-semibold">Refunded</h2>
            <p className="mt-1 text-sm text-zinc-700">{formatCents(order.amountCents)} went back to your card.</p>
          </section>
        ) : order.status === "reserved" ? (
          <section className="rounded-xl border border-zinc-200 bg-white p-5">
            <h2 className="text-lg font-semibold">{cancelled ? "Checkout cancelled — nothing was charged" : "Waiting for your payment…"}</h2>
            <p className="mt-1 text-sm text-zinc-700">
              The ticket is held for you until {new Date(order.reservedUntil).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC.
            </p>
          </section>
        ) : (
          <section className="rounded-xl border border-brand-100 bg-brand-50 p-5 text-brand-900">
            <h2 className="flex items-center gap-2 text-lg font-semibold">
              <span aria-hidden="true" className="inline-block h-3 w-3 animate-pulse rounded-full bg-brand-600" />
              Payment authorized — transferring your ticket…
            </h2>
            <p className="mt-1 text-sm">Your card is only charged once the ticket is in your wallet. This usually takes a few seconds.</p>
          </section>
        )}
      </div>
    </article>
  );
}
