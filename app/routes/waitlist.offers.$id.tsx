import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator, useRouteLoaderData, useSearchParams } from "@remix-run/react";
import { lazy, Suspense, useEffect, useState } from "react";
import type { Address } from "viem";
import { formatCents, formatEventDate, formatWei } from "~/lib/format";
import type { loader as rootLoader } from "~/root";
import { viemChain } from "~/services/chain.server";
import { cardQuote } from "~/services/resale-card.server";
import { ResaleError } from "~/services/resale.server";
import { requireUser } from "~/services/session.server";
import { WAITLIST_OFFER_MINUTES } from "~/lib/waitlist";
import { offerView } from "~/services/waitlist.server";
import { getDb } from "../../db/client.server";

/** The wallet purchase (wagmi + RainbowKit) loads only when the fan chooses "Pay with wallet". */
const ResaleBuy = lazy(() => import("~/components/ResaleBuy.client"));

/**
 * /waitlist/offers/:id — the ticket held for a fan at the front of an event's face-value waitlist (the link in
 * the offer email). Only that fan sees it (403 otherwise; sign-in first). They buy at face value by card (the
 * card resale path, reserved for them only) or with their wallet (the order is handed to them only).
 */

export const meta: MetaFunction = () => [{ title: "Your waitlist offer — TicketChain" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = await getDb();
  let offer;
  try {
    offer = await offerView(db, user, params.id ?? "");
  } catch (error) {
    if (error instanceof ResaleError) throw new Response(error.message, { status: error.status });
    throw error;
  }
  const chain = viemChain();
  let cardCents: number | null = null;
  if (offer.ticket && offer.status === "offered") {
    cardCents = await cardQuote(BigInt(offer.ticket.priceWei))
      .then((q) => (q.cents >= 50 ? q.cents : null))
      .catch(() => null);
  }
  return { offer, coin: chain.nativeCurrency.symbol, chainId: chain.id, cardCents, email: user.email, now: Date.now() };
}

function useMinutesLeft(until: string | null, serverNow: number) {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    if (!until) return;
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    setNow(Date.now());
    return () => clearInterval(timer);
  }, [until]);
  if (!until) return null;
  return Math.max(0, Math.ceil((new Date(until).getTime() - now) / 60_000));
}

const primary =
  "inline-flex items-center justify-center rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600";
const secondary =
  "inline-flex items-center justify-center rounded-lg border border-brand-700 px-4 py-2.5 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 aria-pressed:bg-brand-700 aria-pressed:text-white";

export default function WaitlistOffer() {
  const { offer, coin, chainId, cardCents, email, now } = useLoaderData<typeof loader>();
  const testMode = useRouteLoaderData<typeof rootLoader>("root")?.ENV.testModePayments ?? false;
  const [search] = useSearchParams();
  const revalidator = useRevalidator();
  const [wallet, setWallet] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const minutes = useMinutesLeft(offer.status === "offered" ? offer.offerExpiresAt : null, now);
  const error = search.get("resaleError");
  const ticket = offer.ticket;

  // When the time is up, the page reloads its state (the offer expires and passes to the next fan).
  useEffect(() => {
    if (minutes === 0 && revalidator.state === "idle") revalidator.revalidate();
  }, [minutes, revalidator]);

  const heading =
    offer.status === "offered"
      ? "A ticket is held for you"
      : offer.status === "bought"
        ? "You bought this ticket"
        : offer.status === "expired"
          ? "This offer has expired"
          : offer.status === "left"
            ? "You left the waitlist"
            : "You are back in line";

  return (
    <article className="mx-auto max-w-xl">
      <p className="text-sm font-medium text-brand-700">Face-value waitlist</p>
      <h1 className="mt-1 text-3xl font-bold tracking-tight">{heading}</h1>
      <p className="mt-1 text-zinc-700">
        <Link to={`/events/${offer.event.slug}`} className="font-semibold hover:underline">
          {offer.event.name}
        </Link>{" "}
        · {offer.event.venue}, {offer.event.city} · <time dateTime={offer.event.startsAt}>{formatEventDate(offer.event.startsAt)}</time>
      </p>

      {ticket && (offer.status === "offered" || offer.status === "bought") ? (
        <section aria-labelledby="ticket-heading" className="mt-6 rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6">
          <h2 id="ticket-heading" className="text-lg font-semibold">
            {ticket.tierName ?? "Ticket"} · #{ticket.tokenId}
          </h2>
          <dl className="mt-3 grid grid-cols-[1fr_auto] gap-x-4 gap-y-1 text-sm">
            <dt className="text-zinc-600">Face value</dt>
            <dd className="text-right font-semibold" data-testid="offer-price">
              {formatWei(ticket.priceWei, coin)}
              {cardCents !== null ? <span className="block text-xs font-normal text-zinc-600">{formatCents(cardCents)} by card</span> : null}
            </dd>
            {offer.status === "offered" && offer.offerExpiresAt ? (
              <>
                <dt className="text-zinc-600">Held for you until</dt>
                <dd className="text-right font-medium" data-testid="offer-expiry">
                  <time dateTime={offer.offerExpiresAt}>{new Date(offer.offerExpiresAt).toISOString().slice(11, 16)} UTC</time>
                  {minutes !== null ? <span className="block text-xs font-normal text-zinc-600">{minutes} min left</span> : null}
                </dd>
              </>
            ) : null}
          </dl>
          {offer.status === "offered" ? (
            <p className="mt-3 text-sm text-zinc-600">
              You are first in line, so this ticket is yours to buy at its face value — no more. If you do not buy it within {WAITLIST_OFFER_MINUTES}{" "}
              minutes, it goes to the next fan.
            </p>
          ) : done ? null : (
            // Just bought with the wallet on this page: the message below (with the transaction) says it once.
            <p role="status" className="mt-3 rounded-lg bg-emerald-50 p-3 text-sm text-emerald-900">
              ✓ Ticket #{ticket.tokenId} is yours: find it under{" "}
              <Link to="/tickets" className="font-semibold underline">
                My tickets
              </Link>
              .
            </p>
          )}
        </section>
      ) : (
        <p role="status" className="mt-6 rounded-xl border border-dashed border-zinc-300 p-4 text-sm text-zinc-700">
          {offer.status === "expired"
            ? "The ticket was offered to the next fan in line. Join the waitlist again from the event page to get another chance."
            : offer.status === "left"
              ? "You are no longer on this event's waitlist."
              : "The ticket held for you is no longer available (the seller withdrew it). You keep your place in line."}{" "}
          <Link to={`/events/${offer.event.slug}#waitlist`} className="font-semibold text-brand-700 underline">
            Go to the event
          </Link>
        </p>
      )}

      {error ? (
        <p role="alert" className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {done ? (
        <p role="status" className="mt-4 break-words rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
          ✓ {done}
        </p>
      ) : null}

      {ticket && offer.status === "offered" && !done ? (
        ticket.reserved ? (
          <p role="status" className="mt-4 rounded-lg bg-brand-50 p-3 text-sm text-brand-900">
            Your card payment for this ticket is in progress. This page updates when it is done.
          </p>
        ) : (
          <div className="mt-6 grid gap-4">
            {cardCents !== null && email ? (
              <form method="post" action={`/resale/listings/${ticket.listingId}/checkout`} aria-label="Pay by card" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm">
                <input type="hidden" name="returnTo" value={`/waitlist/offers/${offer.id}`} />
                <h2 className="font-semibold">Pay by card</h2>
                <p className="mt-1 text-sm text-zinc-700" data-testid="offer-card-breakdown">
                  {formatWei(ticket.priceWei, coin)} at today's rate = <strong>{formatCents(cardCents)}</strong>, rounded up to the cent; no card fee. We keep the
                  ticket in the wallet linked to {email} and charge your card only once it is there.
                  {testMode ? " Test mode: no real card is charged." : ""}
                </p>
                <button type="submit" className={`${primary} mt-3`}>
                  Pay {formatCents(cardCents)} by card
                </button>
              </form>
            ) : null}
            <div className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm">
              <h2 className="font-semibold">Pay with your wallet</h2>
              <p className="mt-1 text-sm text-zinc-700">Pay exactly {formatWei(ticket.priceWei, coin)} from your wallet; the ticket moves to it in the same transaction.</p>
              <button type="button" className={`${secondary} mt-3`} aria-pressed={wallet} onClick={() => setWallet(!wallet)}>
                Pay with wallet
              </button>
              {wallet ? (
                <div className="mt-3 rounded-lg bg-zinc-50 p-3">
                  <Suspense fallback={<p className="text-sm text-zinc-600" aria-busy="true">Loading wallet…</p>}>
                    <ResaleBuy
                      listingId={ticket.listingId}
                      tokenId={ticket.tokenId}
                      priceWei={ticket.priceWei}
                      seller={"0x0000000000000000000000000000000000000000" as Address}
                      chainId={chainId}
                      coin={coin}
                      orderUrl={`/waitlist/offers/${offer.id}/order`}
                      onBought={(message) => {
                        setWallet(false);
                        setDone(message);
                        revalidator.revalidate();
                      }}
                    />
                  </Suspense>
                </div>
              ) : null}
            </div>
          </div>
        )
      ) : null}
    </article>
  );
}
