import { lazy, Suspense, useState } from "react";
import type { Address } from "viem";
import { formatWei, shortAddress } from "~/lib/format";

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
  onBought,
}: {
  listings: ResaleListing[] | null;
  coin: string;
  chainId: number;
  fiatOf(wei: bigint): string | null;
  onBought(blockNumber: bigint): void;
}) {
  const [selected, setSelected] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <section aria-labelledby="resale-heading" className="mt-8">
      <h2 id="resale-heading" className="text-xl font-semibold">
        Resale
      </h2>
      <p className="mt-1 text-sm text-zinc-600">
        Tickets from other fans, at or below the promoter's resale cap. The promoter receives a royalty on every resale.
      </p>
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
                  </div>
                </div>
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
