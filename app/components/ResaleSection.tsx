import { useLocation, useRouteLoaderData, useSearchParams } from "@remix-run/react";
import { lazy, Suspense, useState } from "react";
import type { Address } from "viem";
import { formatCents, formatWei, shortAddress } from "~/lib/format";
import type { loader as rootLoader } from "~/root";

/** The wallet purchase (wagmi + RainbowKit) loads only when a fan clicks "Buy". */
const ResaleBuy = lazy(() => import("./ResaleBuy.client"));

export interface ResaleListing {
  id: string;
  tokenId: string;
  tierName: string | null;
  seller: Address;
  priceWei: string;
  capWei: string | null;
}

/**
 * "Resale" on an event page: tickets fans offer at a price within the promoter's cap, cheapest first (each was
 * checked on chain when the page was built). Buying pays exactly the price from the fan's wallet.
 */
export function ResaleSection({
  listings,
  coin,
  chainId,
  fiatOf,
  cardCentsOf,
  onBought,
}: {
  listings: ResaleListing[] | null;
  coin: string;
  chainId: number;
  fiatOf(wei: bigint): string | null;
  /** what a card pays for a price in wei (the feed's rate, rounded up to the cent); null without a fresh rate */
  cardCentsOf(wei: bigint): bigint | null;
  onBought(blockNumber: bigint): void;
}) {
  const testMode = useRouteLoaderData<typeof rootLoader>("root")?.ENV.testModePayments ?? false;
  const [search] = useSearchParams();
  const location = useLocation();
  const cardError = search.get("resaleError");
  const [selected, setSelected] = useState<string | null>(null);
  const [paying, setPaying] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <section aria-labelledby="resale-heading" className="mt-8">
      <h2 id="resale-heading" className="text-xl font-semibold">
        Resale
      </h2>
      <p className="mt-1 text-sm text-zinc-600">
        Tickets from other fans, at or below the promoter's resale cap. The promoter receives a royalty on every resale.
      </p>
      {cardError ? (
        <p role="alert" className="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-800">
          {cardError}
        </p>
      ) : null}
      {done ? (
        <p role="status" className="mt-3 break-words rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
          ✓ {done}
        </p>
      ) : null}
      {listings === null ? (
        <p className="mt-3 text-sm text-zinc-600">Resale offers cannot be checked right now (the chain is unreachable). Try again shortly.</p>
      ) : listings.length === 0 ? (
        <p className="mt-3 rounded-xl border border-dashed border-zinc-300 p-4 text-sm text-zinc-600">No tickets are offered for resale right now.</p>
      ) : (
        <ul className="mt-3 divide-y divide-zinc-200 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-sm" data-testid="resale-list">
          {listings.map((l) => {
            const fiat = fiatOf(BigInt(l.priceWei));
            const cardCents = cardCentsOf(BigInt(l.priceWei));
            return (
              <li key={l.id} className="p-4" data-testid="resale-listing">
                <div className="flex flex-wrap items-center justify-between gap-3">
                  <div className="min-w-0">
                    <p className="font-medium">
                      {l.tierName ?? "Ticket"} · #{l.tokenId}
                    </p>
                    <p className="text-sm text-zinc-600">
                      Sold by <code>{shortAddress(l.seller)}</code>
                      {l.capWei ? ` · cap ${formatWei(l.capWei, coin)}` : " · no resale cap"}
                    </p>
                  </div>
                  <div className="flex items-center gap-3">
                    <p className="text-right">
                      <span className="block font-semibold">{formatWei(l.priceWei, coin)}</span>
                      {fiat ? <span className="block text-xs text-zinc-600">{fiat}</span> : null}
                    </p>
                    <button
                      type="button"
                      aria-pressed={selected === l.id}
                      aria-label={`Buy ticket #${l.tokenId} for ${formatWei(l.priceWei, coin)}`}
                      onClick={() => setSelected(selected === l.id ? null : l.id)}
                      className="rounded-lg border border-brand-700 px-3 py-1.5 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 aria-pressed:bg-brand-700 aria-pressed:text-white"
                    >
                      Buy
                    </button>
                    {cardCents !== null && cardCents >= 50n ? (
                      <button
                        type="button"
                        aria-pressed={paying === l.id}
                        aria-label={`Pay by card for ticket #${l.tokenId}: ${formatCents(cardCents)}`}
                        onClick={() => setPaying(paying === l.id ? null : l.id)}
                        className="rounded-lg border border-zinc-400 px-3 py-1.5 text-sm font-semibold text-zinc-800 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 aria-pressed:bg-zinc-800 aria-pressed:text-white"
                      >
                        Pay by card
                      </button>
                    ) : null}
                  </div>
                </div>
                {paying === l.id && cardCents !== null ? (
                  <form method="post" action={`/resale/listings/${l.id}/checkout`} className="mt-3 grid gap-3 rounded-lg bg-zinc-50 p-3 sm:grid-cols-[2fr_1fr]" aria-label={`Pay by card · ticket #${l.tokenId}`}>
                    <input type="hidden" name="returnTo" value={location.pathname} />
                    <p className="text-sm text-zinc-700 sm:col-span-2" data-testid="resale-card-breakdown">
                      {formatWei(l.priceWei, coin)} at today's rate = <strong>{formatCents(cardCents)}</strong>, rounded up to the cent; no card fee. We keep
                      the ticket in a wallet linked to your email and charge your card only once it is there.
                      {testMode ? " Test mode: no real card is charged." : ""}
                    </p>
                    <label className="block text-sm font-medium">
                      Email <span className="font-normal text-zinc-500">(your ticket is linked to it)</span>
                      <input name="email" type="email" autoComplete="email" maxLength={254} className="mt-1 block w-full rounded-md border border-zinc-300 px-3 py-2 text-base" />
                    </label>
                    <button type="submit" className="self-end rounded-md bg-brand-700 px-4 py-2 font-semibold text-white shadow-sm hover:bg-brand-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600">
                      Pay {formatCents(cardCents)} by card
                    </button>
                  </form>
                ) : null}
                {selected === l.id ? (
                  <div className="mt-3 rounded-lg bg-zinc-50 p-3">
                    <Suspense fallback={<p className="text-sm text-zinc-600" aria-busy="true">Loading wallet…</p>}>
                      <ResaleBuy
                        listingId={l.id}
                        tokenId={l.tokenId}
                        priceWei={l.priceWei}
                        seller={l.seller}
                        chainId={chainId}
                        coin={coin}
                        onBought={(message, block) => {
                          setSelected(null);
                          setDone(message);
                          onBought(block);
                        }}
                      />
                    </Suspense>
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
