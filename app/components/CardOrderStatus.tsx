import { Link, useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import { formatCents } from "~/lib/format";

/**
 * The status page of a card order, shared by a primary order (/orders/:id: minted) and a resale purchase
 * (/resale/orders/:id: transferred): the event, a title, then one live status — waiting for the payment,
 * authorized and in progress, done, not charged, refunded. While the order is still moving the page
 * revalidates every 1.5 s. What differs between the two (the title, the "done" section, the words for the
 * work in progress) comes from the route.
 */
export interface CardOrderStatusProps {
  order: {
    status: string;
    eventSlug: string;
    eventName: string;
    amountCents: number;
    reservedUntil: string;
    failureReason: string | null;
    txHash: string | null;
  };
  /** statuses in which the page keeps refreshing */
  pending: readonly string[];
  title: ReactNode;
  /** under the title (the resale page's price breakdown) */
  details?: ReactNode;
  /** the "done" section's heading and text (status paid) */
  paid: { heading: ReactNode; body: ReactNode };
  /** the reason shown when the order failed without one of its own */
  failedReason: string;
  /** what happened to the seats or ticket when it failed */
  failedNote: string;
  /** "Your seats are held" / "The ticket is held for you" */
  heldSubject: string;
  /** "minting your ticket" / "transferring your ticket" */
  working: string;
  /** "once the ticket exists" / "once the ticket is in your wallet" */
  chargedWhen: string;
}

export function CardOrderStatus(props: CardOrderStatusProps) {
  const { order } = props;
  const [search] = useSearchParams();
  const revalidator = useRevalidator();
  const pending = props.pending.includes(order.status);
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
      <h1 className="mt-1 text-2xl font-bold tracking-tight">{props.title}</h1>
      {props.details}

      <div role="status" aria-live="polite" className="mt-6">
        {order.status === "paid" ? (
          <section className="rounded-xl border border-emerald-200 bg-emerald-50 p-5 text-emerald-900">
            <h2 className="text-lg font-semibold">{props.paid.heading}</h2>
            {props.paid.body}
            {order.txHash ? (
              <p className="mt-3 break-all text-xs text-emerald-800">
                Transaction <code>{order.txHash}</code>
              </p>
            ) : null}
          </section>
        ) : order.status === "expired" || order.status === "voided" ? (
          <section className="rounded-xl border border-red-200 bg-red-50 p-5 text-red-900">
            <h2 className="text-lg font-semibold">Not charged: {order.failureReason ?? (order.status === "expired" ? "the checkout expired" : props.failedReason)}</h2>
            <p className="mt-1 text-sm">{props.failedNote}</p>
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
              {props.heldSubject} until {new Date(order.reservedUntil).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC.
            </p>
          </section>
        ) : (
          <section className="rounded-xl border border-brand-100 bg-brand-50 p-5 text-brand-900">
            <h2 className="flex items-center gap-2 text-lg font-semibold">
              <span aria-hidden="true" className="inline-block h-3 w-3 animate-pulse rounded-full bg-brand-600" />
              Payment authorized — {props.working}…
            </h2>
            <p className="mt-1 text-sm">Your card is only charged {props.chargedWhen}. This usually takes a few seconds.</p>
          </section>
        )}
      </div>
    </article>
  );
}
