import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";
import { formatCents, shortAddress } from "~/lib/format";
import { orderView } from "~/services/orders.server";
import { getDbHandle } from "../../db/client.server";

/**
 * /orders/:id — where the buyer lands after paying: the order's status, refreshed every 1.5 s until it
 * is final ("Payment authorized — minting your ticket…" → "Your ticket is ready", or "Not charged: …").
 * The order id is an unguessable UUID; the page shows no personal data beyond the buyer's masked email.
 */

export const meta: MetaFunction = () => [{ title: "Your order — TicketChain" }];

export async function loader({ params }: LoaderFunctionArgs) {
  const order = await orderView((await getDbHandle()).db, params.id ?? "");
  if (!order) throw new Response("We could not find this order.", { status: 404 });
  return { order };
}

const PENDING = ["reserved", "authorized", "minting", "minted"];

export default function OrderPage() {
  const { order } = useLoaderData<typeof loader>();
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
  return (
    <article className="mx-auto max-w-xl">
      <p className="text-sm text-zinc-600">
        <Link to={`/events/${order.eventSlug}`} className="underline">
          {order.eventName}
        </Link>
      </p>
      <h1 className="mt-1 text-2xl font-bold tracking-tight">
        {order.quantity} × {order.tierName} · {formatCents(order.amountCents)}
      </h1>

      <div role="status" aria-live="polite" className="mt-6">
        {order.status === "paid" ? (
          <section className="rounded-xl border border-emerald-200 bg-emerald-50 p-5 text-emerald-900">
            <h2 className="text-lg font-semibold">Your ticket is ready</h2>
            <p className="mt-1 text-sm">
              Issued on chain to the wallet we keep for {order.email ?? "you"} ({order.recipient ? shortAddress(order.recipient) : ""}).
              Your card has been charged {formatCents(order.amountCents)}.
            </p>
            <ul className="mt-3 space-y-1 text-sm" aria-label="Ticket numbers">
              {order.tokenIds.map((id) => (
                <li key={id}>
                  Ticket <span className="font-mono font-semibold">#{id}</span>
                </li>
              ))}
            </ul>
            {order.txHash ? (
              <p className="mt-3 break-all text-xs text-emerald-800">
                Transaction <code>{order.txHash}</code>
              </p>
            ) : null}
          </section>
        ) : order.status === "expired" || order.status === "voided" ? (
          <section className="rounded-xl border border-red-200 bg-red-50 p-5 text-red-900">
            <h2 className="text-lg font-semibold">Not charged: {order.failureReason ?? (order.status === "expired" ? "the checkout expired" : "the ticket could not be issued")}</h2>
            <p className="mt-1 text-sm">Any authorization on your card has been released. Your seats went back on sale.</p>
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
              Your seats are held until {new Date(order.reservedUntil).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC.
            </p>
          </section>
        ) : (
          <section className="rounded-xl border border-brand-100 bg-brand-50 p-5 text-brand-900">
            <h2 className="flex items-center gap-2 text-lg font-semibold">
              <span aria-hidden="true" className="inline-block h-3 w-3 animate-pulse rounded-full bg-brand-600" />
              Payment authorized — minting your ticket…
            </h2>
            <p className="mt-1 text-sm">Your card is only charged once the ticket exists. This usually takes a few seconds.</p>
          </section>
        )}
      </div>
    </article>
  );
}
