import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { CardCheckoutForm } from "~/components/CardCheckoutForm";
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import type { Address } from "viem";
import { z } from "zod";
import { CHAINS, env } from "~/env.server";
import { formatCents, formatEventDate, formatWei } from "~/lib/format";
import { weiToCents, weiToCentsCeil } from "~/lib/prices";
import { publicEvent } from "~/services/catalog.server";
import { viemChain } from "~/services/chain.server";
import { coinPrice, isStale, onChainTierPrices } from "~/services/prices.server";
import { indexedBlock } from "~/services/tickets.server";
import { listingsForEventPage } from "~/services/resale.server";
import { getDb } from "../../db/client.server";
import { ResaleSection } from "~/components/ResaleSection";
import { WaitlistSection } from "~/components/WaitlistSection";
import { getUser } from "~/services/session.server";
import { waitlistState, type WaitlistState } from "~/services/waitlist.server";

/** The wallet checkout (wagmi + RainbowKit) is downloaded only when a fan clicks "Pay with wallet". */
const WalletCheckout = lazy(() => import("~/components/WalletCheckout.client"));

const Slug = z.string().regex(/^[a-z0-9-]{1,120}$/);

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.event.name} — TicketChain` : "Event not found — TicketChain" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const slug = Slug.safeParse(params.slug ?? "");
  if (!slug.success) throw new Response("This event address is not valid.", { status: 404 });
  // Event, tiers and seats left from the database through the shared cache (publicEvent); no chain read per request.
  const event = await publicEvent(slug.data);
  if (!event) throw new Response("We could not find this event.", { status: 404 });
  const chain = viemChain();
  const contract = event.contractAddress as Address | null;
  const [price, onChainPrices, cursor, resale, waitlist] = await Promise.all([
    coinPrice(),
    contract ? onChainTierPrices(contract, event.tiers.length) : Promise.resolve(null),
    indexedBlock(event.chainId),
    // Resale listings from the database and the indexer (cached a few seconds); a buyer's fill is checked on chain.
    getDb()
      .then((db) => listingsForEventPage(db, event.id, event.chainId))
      .catch(() => null),
    // The face-value waitlist: off for most events (one indexed read); on, the fan's place in line.
    event.status === "published" ? getDb().then(async (db) => {
      const off = await waitlistState(db, event.id, null);
      if (!off.enabled) return null;
      const user = await getUser(request);
      return { ...(user ? await waitlistState(db, event.id, user.id) : off), signedIn: Boolean(user) };
    }) : Promise.resolve(null),
  ]);
  const fresh = price && !isStale(price) ? price : null;
  const tiers = event.tiers.map((tier) => {
    // The wallet pays the contract's face value; the copy in the database is the fallback when the chain is unreachable.
    const priceWei = onChainPrices?.[tier.position] ?? tier.priceWei;
    return {
      id: tier.id,
      position: tier.position,
      name: tier.name,
      supply: tier.supply,
      remaining: tier.remaining,
      priceWei,
      // Fiat: converted from the on-chain price at the feed's rate; the promoter's list price when no fresh rate.
      priceCents: fresh ? Number(weiToCents(BigInt(priceWei), BigInt(fresh.answer), fresh.decimals)) : tier.priceCents,
      /** what a card payment charges: the promoter's list price in cents */
      listPriceCents: tier.priceCents,
    };
  });
  const salesOpen = event.salesOpen && new Date(event.startsAt).getTime() > Date.now();
  return {
    event: { ...event, tiers: undefined },
    tiers,
    coin: chain.nativeCurrency.symbol,
    chainName: CHAINS[env().chain].name,
    chainId: event.chainId,
    rate: fresh ? { answer: fresh.answer, decimals: fresh.decimals, description: fresh.description } : null,
    rateNote: fresh
      ? null
      : price
        ? `The ${price.description} rate is more than an hour old, so dollar amounts are the promoter's list prices.`
        : `Dollar amounts are the promoter's list prices: no live ${chain.nativeCurrency.symbol}/USD rate is available right now.`,
    indexedBlock: cursor,
    salesOpen,
    resale,
    waitlist: waitlist as (WaitlistState & { signedIn: boolean }) | null,
  };
}

type Tier = ReturnType<typeof useLoaderData<typeof loader>>["tiers"][number];

const payButton =
  "whitespace-nowrap rounded-lg border border-brand-700 px-3 py-1.5 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 aria-pressed:bg-brand-700 aria-pressed:text-white";

export default function EventPage() {
  const data = useLoaderData<typeof loader>();
  const { event, tiers, coin, chainName, chainId, rate, rateNote } = data;
  const cancelled = event.status === "cancelled";
  const [selected, setSelected] = useState<number | null>(null);
  const [waitForBlock, setWaitForBlock] = useState<bigint | null>(null);
  const revalidator = useRevalidator();
  const tier = tiers.find((t) => t.position === selected) ?? null;

  // After a purchase, reload until the indexer has applied its block: the seats left then include it.
  useEffect(() => {
    if (waitForBlock === null) return;
    if (data.indexedBlock !== null && BigInt(data.indexedBlock) >= waitForBlock) {
      setWaitForBlock(null);
      return;
    }
    const timer = setTimeout(() => revalidator.state === "idle" && revalidator.revalidate(), 750);
    return () => clearTimeout(timer);
  }, [waitForBlock, data.indexedBlock, revalidator]);

  const onPurchased = useCallback((block: bigint) => setWaitForBlock(block), []);
  const cardCentsOf = useCallback((wei: bigint) => (rate ? weiToCentsCeil(wei, BigInt(rate.answer), rate.decimals) : null), [rate]);
  const fiatOf = useCallback(
    (wei: bigint) => (rate ? `≈ ${formatCents(weiToCents(wei, BigInt(rate.answer), rate.decimals))}` : null),
    [rate],
  );

  return (
    <article>
      {event.imageUrl ? <img src={event.imageUrl} alt="" className="h-48 w-full rounded-xl object-cover sm:h-64" /> : null}
      <h1 className="mt-6 text-3xl font-bold tracking-tight">{event.name}</h1>
      <p className="mt-1 text-zinc-700">
        {event.venue}, {event.city} · <time dateTime={event.startsAt}>{formatEventDate(event.startsAt)}</time>
      </p>
      {cancelled ? (
        <p role="status" className="mt-4 rounded-md bg-red-50 p-3 text-red-800">
          This event was cancelled. Ticket holders can claim a refund.
        </p>
      ) : null}
      <p className="mt-4 max-w-prose text-zinc-700">{event.description}</p>

      <section aria-labelledby="tiers-heading" className="mt-8">
        <h2 id="tiers-heading" className="text-xl font-semibold">
          Tickets
        </h2>
        <div className="mt-3 overflow-x-auto rounded-xl border border-zinc-200 bg-white shadow-sm">
          <table className="w-full text-left text-sm">
            <thead className="bg-zinc-100 text-zinc-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium sm:px-4">Tier</th>
                <th scope="col" className="px-3 py-2 font-medium sm:px-4">Price</th>
                <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">Seats left</th>
                <th scope="col" className="px-3 py-2 font-medium sm:px-4">
                  <span className="sr-only">Buy</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tiers.map((t) => (
                <TierRow
                  key={t.id}
                  tier={t}
                  coin={coin}
                  canBuy={data.salesOpen}
                  selected={t.position === selected}
                  onSelect={() => setSelected(t.position === selected ? null : t.position)}
                />
              ))}
            </tbody>
          </table>
        </div>
        {rateNote ? <p className="mt-2 text-xs text-zinc-500">{rateNote}</p> : null}
        {!data.salesOpen && !cancelled ? <p className="mt-2 text-sm text-zinc-600">Sales for this event have closed.</p> : null}
      </section>

      <CardCheckoutForm
        eventSlug={event.slug}
        tiers={tiers.map((t) => ({ id: t.id, name: t.name, priceCents: t.listPriceCents, remaining: t.remaining }))}
        disabled={cancelled || !data.salesOpen}
      />

      {tier && event.contractAddress ? (
        <section aria-labelledby="checkout-heading" className="mt-6 rounded-xl border border-brand-100 bg-white p-4 shadow-sm sm:p-6">
          <div className="flex items-start justify-between gap-4">
            <div>
              <h2 id="checkout-heading" className="text-lg font-semibold">
                Pay with wallet · {tier.name}
              </h2>
              <p className="text-sm text-zinc-600">
                {formatWei(tier.priceWei, coin)} per ticket on {chainName}
                {rate ? ` (≈ ${formatCents(tier.priceCents)})` : ""} · {tier.remaining} left
              </p>
            </div>
            <button
              type="button"
              className="rounded-md px-2 py-1 text-sm text-zinc-500 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-brand-600"
              onClick={() => setSelected(null)}
            >
              Close
            </button>
          </div>
          <div className="mt-4">
            <Suspense fallback={<p className="text-sm text-zinc-600" aria-busy="true">Loading wallet checkout…</p>}>
              <WalletCheckout
                key={tier.position}
                contract={event.contractAddress as Address}
                tier={tier}
                chainId={chainId}
                chainName={chainName}
                coin={coin}
                onPurchased={onPurchased}
                fiatOf={fiatOf}
              />
            </Suspense>
          </div>
        </section>
      ) : null}

      {data.waitlist && event.contractAddress && !cancelled ? <WaitlistSection slug={event.slug} state={data.waitlist} /> : null}

      {event.contractAddress && !cancelled ? (
        <ResaleSection listings={data.resale} coin={coin} chainId={chainId} fiatOf={fiatOf} cardCentsOf={cardCentsOf} onBought={onPurchased} />
      ) : null}

      {event.contractAddress ? (
        // A native disclosure: works before (and without) JavaScript and keeps a UI library out of the page's first load.
        <details className="group mt-8 rounded-xl border border-zinc-200 bg-white">
          <summary className="flex w-full cursor-pointer list-none items-center justify-between px-4 py-3 text-left text-sm font-medium focus-visible:outline-2 focus-visible:outline-brand-600 [&::-webkit-details-marker]:hidden">
            How these tickets work
            <span aria-hidden="true" className="transition group-open:rotate-180">
              ▾
            </span>
          </summary>
          <div className="space-y-3 px-4 pb-4 text-sm text-zinc-700">
            <p>
              Each ticket is an NFT (ERC-721) on {chainName}. It is yours: keep it in your own wallet, resell it at a fair price, or
              show it at the door. Card buyers get a wallet kept safe for them until they claim it.
            </p>
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
              <dt className="text-zinc-500">Chain</dt>
              <dd>
                {chainName} (id {event.chainId})
              </dd>
              <dt className="text-zinc-500">Ticket contract</dt>
              <dd>
                <code className="break-all" data-testid="ticket-contract">
                  {event.contractAddress}
                </code>
              </dd>
              <dt className="text-zinc-500">Event number</dt>
              <dd>{event.onChainId}</dd>
            </dl>
          </div>
        </details>
      ) : null}
    </article>
  );
}

function TierRow({ tier, coin, canBuy, selected, onSelect }: { tier: Tier; coin: string; canBuy: boolean; selected: boolean; onSelect(): void }) {
  const seats = `${tier.remaining} of ${tier.supply}`;
  return (
    <tr className="border-t border-zinc-200">
      <th scope="row" className="px-3 py-3 font-medium sm:px-4">
        {tier.name}
        {/* On a phone the seats sit under the tier name instead of in their own column. */}
        <span className="block text-xs font-normal text-zinc-600 sm:hidden">{tier.remaining === 0 ? "Sold out" : `${seats} left`}</span>
      </th>
      <td className="px-3 py-3 sm:px-4">
        <span className="font-semibold">{formatCents(tier.priceCents)}</span>
        <span className="block text-zinc-600 sm:ml-2 sm:inline">{formatWei(tier.priceWei, coin)}</span>
      </td>
      <td className="hidden px-4 py-3 sm:table-cell" data-testid={`seats-left-${tier.position}`}>
        {tier.remaining === 0 ? <span className="font-medium text-red-700">Sold out</span> : seats}
      </td>
      <td className="px-3 py-3 text-right sm:px-4">
        {canBuy && tier.remaining > 0 ? (
          <button type="button" className={payButton} aria-pressed={selected} aria-label={`Pay with wallet: ${tier.name}`} onClick={onSelect}>
            Pay with wallet
          </button>
        ) : null}
      </td>
    </tr>
  );
}
