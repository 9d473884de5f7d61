import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import type { Address } from "viem";
import { z } from "zod";
import type { FractionTask } from "~/components/FractionWallet.client";
import { CHAINS, env } from "~/env.server";
import { formatCents, formatEventDate, formatWei, shortAddress } from "~/lib/format";
import { FRACTION_STATE_LABEL, type FractionState } from "~/lib/fractions";
import { weiToCents } from "~/lib/prices";
import { currentDeployment, publicClient, viemChain } from "~/services/chain.server";
import {
  capPerShare,
  faceValue,
  fractionHolders,
  getFraction,
  openShareListings,
  reconcileShareListings,
} from "~/services/fractions.server";
import { coinPrice, isStale } from "~/services/prices.server";
import { getUser } from "~/services/session.server";
import { indexedBlock, seatNumber, ticket as ticketView } from "~/services/tickets.server";
import { embeddedWalletAddress } from "~/services/wallets.server";
import { getDb } from "../../db/client.server";

/** Wallet actions (wagmi + RainbowKit) are downloaded only when a fan picks one. */
const FractionWallet = lazy(() => import("~/components/FractionWallet.client"));

const Id = z.string().regex(/^\d{1,78}$/);

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Shares of ${data.ticket.eventName ?? "a ticket"} — TicketChain` : "Shares not found — TicketChain" },
];

function platform() {
  const deployment = currentDeployment();
  if (!deployment) throw new Response("The platform's contracts are not deployed on this chain yet.", { status: 503 });
  return { deployment, chainId: CHAINS[env().chain].id };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = Id.safeParse(params.id ?? "");
  if (!id.success) throw new Response("This shares address is not valid.", { status: 404 });
  const { deployment, chainId } = platform();
  const db = await getDb();
  const fraction = await getFraction(db, chainId, deployment.fractions, id.data);
  if (!fraction) throw new Response("We could not find shares with this id (a ticket split moments ago appears within seconds).", { status: 404 });
  await reconcileShareListings(db, chainId);
  const client = publicClient();
  const [holders, t, price, cap, face, cursor, user] = await Promise.all([
    fractionHolders(db, chainId, deployment.fractions, id.data),
    ticketView(chainId, fraction.ticket, fraction.tokenId, db),
    coinPrice(),
    capPerShare(client, fraction),
    faceValue(client, deployment.fractions, id.data),
    indexedBlock(chainId, db),
    getUser(request),
  ]);
  const [listings, seat, embedded] = await Promise.all([
    openShareListings(db, chainId, id.data, holders),
    t ? seatNumber(t, db) : Promise.resolve(null),
    user ? embeddedWalletAddress(db, user.id) : Promise.resolve(null),
  ]);
  const fresh = price && !isStale(price) ? price : null;
  const faceWei = face ?? (t ? BigInt(t.paidWei) : 0n);
  return {
    fraction,
    holders,
    listings,
    ticket: {
      eventName: t?.event?.name ?? null,
      eventSlug: t?.event?.slug ?? null,
      eventStatus: t?.event?.status ?? null,
      startsAt: t?.event?.startsAt ?? null,
      venue: t?.event?.venue ?? null,
      city: t?.event?.city ?? null,
      tierName: t?.tier?.name ?? null,
      seat,
      faceWei: faceWei.toString(),
    },
    capPerShareWei: cap === null ? null : cap.toString(),
    mine: [user?.walletAddress, embedded].filter((a): a is string => Boolean(a)).map((a) => a.toLowerCase()),
    coin: viemChain().nativeCurrency.symbol,
    chainName: CHAINS[env().chain].name,
    chainId,
    contracts: { fractions: deployment.fractions, marketplace: deployment.marketplace },
    rate: fresh ? { answer: fresh.answer, decimals: fresh.decimals } : null,
    indexedBlock: cursor,
  };
}

const STATE_BADGE: Record<FractionState, string> = {
  active: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
  redeemed: "bg-zinc-100 text-zinc-700 ring-zinc-500/20",
  "bought-out": "bg-sky-50 text-sky-800 ring-sky-600/20",
  refunded: "bg-amber-50 text-amber-900 ring-amber-600/30",
};

const secondary =
  "rounded-lg border border-brand-700 px-3 py-2 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 aria-pressed:bg-brand-700 aria-pressed:text-white";

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

function percent(part: string, total: string) {
  // Integer arithmetic: tenths of a percent.
  const tenths = (BigInt(part) * 1000n) / BigInt(total);
  return `${tenths / 10n}.${tenths % 10n} %`;
}

function AttendeeNote({ data }: { data: Data }) {
  const { fraction } = data;
  const who = (a: string) => (data.mine.includes(a) ? "You" : shortAddress(a));
  let text: React.ReactNode;
  const you = fraction.attendee !== null && data.mine.includes(fraction.attendee);
  if (fraction.state === "redeemed")
    text = you ? <>You redeemed every share and hold the ticket: you attend.</> : <>{who(fraction.attendee!)} redeemed every share and holds the ticket: they attend.</>;
  else if (fraction.state === "bought-out")
    text = (
      <>
        {you ? "You bought the ticket out and attend." : `${who(fraction.attendee!)} bought the ticket out and attends.`} Share holders cash out their part of the{" "}
        {formatWei(fraction.payout!, data.coin)}.
      </>
    );
  else if (fraction.state === "refunded")
    text = <>Nobody: the event was cancelled. The refund ({formatWei(fraction.payout ?? "0", data.coin)}) is shared among the holders, who cash out their part.</>;
  else
    text = (
      <>
        Not decided yet. The ticket stays locked in the vault, so no share holder can get in with a share. It goes to whoever first
        <strong> gathers all {fraction.totalShares} shares and redeems</strong>, or <strong>pays the buyout price</strong> of{" "}
        {formatWei(fraction.buyoutPrice, data.coin)} (the holders then share that money).
      </>
    );
  return (
    <section aria-labelledby="attend-heading" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm">
      <h2 id="attend-heading" className="text-base font-semibold">
        Who will attend
      </h2>
      <p className="mt-1 text-sm text-zinc-700" data-testid="attendee">
        {text}
      </p>
    </section>
  );
}

export default function FractionPage() {
  const data = useLoaderData<typeof loader>();
  const { fraction, holders, listings, ticket, coin, rate } = data;
  const [task, setTask] = useState<FractionTask | null>(null);
  const [taskKey, setTaskKey] = useState<string | null>(null);
  const [waitForBlock, setWaitForBlock] = useState<bigint | null>(null);
  const revalidator = useRevalidator();

  useEffect(() => {
    if (waitForBlock === null) return;
    if (data.indexedBlock !== null && BigInt(data.indexedBlock) >= waitForBlock) {
      setWaitForBlock(null);
      return;
    }
    const timer = setTimeout(() => revalidator.state === "idle" && revalidator.revalidate(), 750);
    return () => clearTimeout(timer);
  }, [waitForBlock, data.indexedBlock, revalidator]);

  const onDone = useCallback(
    ({ blockNumber }: { blockNumber: bigint | null }) => {
      if (blockNumber === null) revalidator.revalidate();
      else setWaitForBlock(blockNumber);
    },
    [revalidator],
  );
  const fiatOf = useCallback((wei: bigint) => (rate ? `≈ ${formatCents(weiToCents(wei, BigInt(rate.answer), rate.decimals))}` : null), [rate]);
  const pick = (key: string, next: FractionTask) => {
    if (taskKey === key) {
      setTask(null);
      setTaskKey(null);
    } else {
      setTask(next);
      setTaskKey(key);
    }
  };

  const perShareFace = BigInt(ticket.faceWei) / BigInt(fraction.totalShares);
  const active = fraction.state === "active";
  const cancelled = ticket.eventStatus === "cancelled";
  const settled = fraction.state === "bought-out" || fraction.state === "refunded";
  const who = (a: string) => (data.mine.includes(a) ? `You (${shortAddress(a)})` : shortAddress(a));

  return (
    <article className="space-y-6">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="text-sm font-medium text-brand-700">Shared ticket</p>
          <h1 className="text-3xl font-bold tracking-tight">
            {ticket.eventSlug ? (
              <Link to={`/events/${ticket.eventSlug}`} className="hover:underline">
                {ticket.eventName}
              </Link>
            ) : (
              (ticket.eventName ?? "Ticket")
            )}
          </h1>
          <p className="mt-1 text-zinc-700">
            {ticket.tierName ?? "Ticket"}
            {ticket.seat ? ` · seat ${ticket.seat}` : ""} · ticket #{fraction.tokenId}
            {ticket.venue ? ` · ${ticket.venue}${ticket.city ? `, ${ticket.city}` : ""}` : ""}
          </p>
          {ticket.startsAt ? (
            <p className="text-sm text-zinc-600">
              <time dateTime={ticket.startsAt}>{formatEventDate(ticket.startsAt)}</time>
            </p>
          ) : null}
        </div>
        <span className={`inline-flex items-center rounded-full px-3 py-1 text-sm font-semibold ring-1 ring-inset ${STATE_BADGE[fraction.state]}`} data-testid="fraction-state">
          {FRACTION_STATE_LABEL[fraction.state]}
        </span>
      </header>

      <dl className="grid grid-cols-2 gap-4 rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:grid-cols-4">
        <div>
          <dt className="text-sm text-zinc-500">Shares</dt>
          <dd className="text-lg font-semibold" data-testid="total-shares">
            {fraction.totalShares}
          </dd>
          {fraction.outstanding !== fraction.totalShares ? <dd className="text-xs text-zinc-500">{fraction.outstanding} outstanding</dd> : null}
        </div>
        <div>
          <dt className="text-sm text-zinc-500">Ticket price per share</dt>
          <dd className="text-lg font-semibold">{formatWei(perShareFace, coin)}</dd>
          {fiatOf(perShareFace) ? <dd className="text-xs text-zinc-500">{fiatOf(perShareFace)}</dd> : null}
        </div>
        <div>
          <dt className="text-sm text-zinc-500">Buyout price</dt>
          <dd className="text-lg font-semibold">{formatWei(fraction.buyoutPrice, coin)}</dd>
          {fiatOf(BigInt(fraction.buyoutPrice)) ? <dd className="text-xs text-zinc-500">{fiatOf(BigInt(fraction.buyoutPrice))}</dd> : null}
        </div>
        <div>
          <dt className="text-sm text-zinc-500">Face value</dt>
          <dd className="text-lg font-semibold">{formatWei(ticket.faceWei, coin)}</dd>
          {fiatOf(BigInt(ticket.faceWei)) ? <dd className="text-xs text-zinc-500">{fiatOf(BigInt(ticket.faceWei))}</dd> : null}
        </div>
      </dl>

      <AttendeeNote data={data} />

      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="holders-heading" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm">
          <h2 id="holders-heading" className="text-base font-semibold">
            Holders
          </h2>
          {holders.length === 0 ? (
            <p className="mt-2 text-sm text-zinc-600">No shares are outstanding.</p>
          ) : (
            <table className="mt-2 w-full text-sm">
              <thead>
                <tr className="text-left text-zinc-500">
                  <th scope="col" className="py-1 font-medium">
                    Holder
                  </th>
                  <th scope="col" className="py-1 text-right font-medium">
                    Shares
                  </th>
                  <th scope="col" className="py-1 text-right font-medium">
                    Part
                  </th>
                </tr>
              </thead>
              <tbody data-testid="holders">
                {holders.map((h) => (
                  <tr key={h.holder} className="border-t border-zinc-100">
                    <td className="py-2 font-mono" title={h.holder}>
                      {who(h.holder)}
                    </td>
                    <td className="py-2 text-right font-semibold">{h.balance}</td>
                    <td className="py-2 text-right text-zinc-600">{percent(h.balance, fraction.totalShares)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="listings-heading" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm">
          <h2 id="listings-heading" className="text-base font-semibold">
            Shares for sale
          </h2>
          {!active || listings.length === 0 ? (
            <p className="mt-2 text-sm text-zinc-600">{active ? "No shares are listed right now." : "Trading has ended for these shares."}</p>
          ) : (
            <ul className="mt-2 divide-y divide-zinc-100" data-testid="listings">
              {listings.map((l) => (
                <li key={l.hash} className="flex flex-wrap items-center justify-between gap-3 py-2 text-sm">
                  <span>
                    <strong>{l.available}</strong> share{l.available === "1" ? "" : "s"} at <strong>{formatWei(l.price, coin)}</strong> each
                    <span className="block text-xs text-zinc-500">from {who(l.seller)}</span>
                  </span>
                  <button
                    type="button"
                    className={secondary}
                    aria-pressed={taskKey === `buy:${l.hash}`}
                    aria-label={`Buy shares from ${shortAddress(l.seller)} at ${formatWei(l.price, coin)}`}
                    onClick={() => pick(`buy:${l.hash}`, { kind: "buy", fractionId: fraction.id, listing: l })}
                  >
                    Buy
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section aria-labelledby="actions-heading" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm">
        <h2 id="actions-heading" className="text-base font-semibold">
          Your wallet
        </h2>
        <div className="mt-3 flex flex-wrap gap-2">
          {active ? (
            <>
              <button
                type="button"
                className={secondary}
                aria-pressed={taskKey === "list"}
                onClick={() =>
                  pick("list", {
                    kind: "list",
                    fractionId: fraction.id,
                    totalShares: fraction.totalShares,
                    capPerShareWei: data.capPerShareWei,
                    suggestedWei: perShareFace.toString(),
                  })
                }
              >
                Sell shares
              </button>
              <button type="button" className={secondary} aria-pressed={taskKey === "redeem"} onClick={() => pick("redeem", { kind: "redeem", fractionId: fraction.id, totalShares: fraction.outstanding })}>
                Redeem (all shares)
              </button>
              {cancelled ? (
                <button type="button" className={secondary} aria-pressed={taskKey === "refund"} onClick={() => pick("refund", { kind: "refund", fractionId: fraction.id })}>
                  Collect refund
                </button>
              ) : (
                <button type="button" className={secondary} aria-pressed={taskKey === "buyout"} onClick={() => pick("buyout", { kind: "buyout", fractionId: fraction.id, buyoutPrice: fraction.buyoutPrice })}>
                  Buy out
                </button>
              )}
            </>
          ) : null}
          {settled && fraction.outstanding !== "0" ? (
            <button
              type="button"
              className={secondary}
              aria-pressed={taskKey === "cashout"}
              onClick={() => pick("cashout", { kind: "cashout", fractionId: fraction.id, payout: fraction.payout ?? "0", totalShares: fraction.totalShares })}
            >
              Cash out
            </button>
          ) : null}
          {!active && !(settled && fraction.outstanding !== "0") ? <p className="text-sm text-zinc-600">Nothing left to do with these shares.</p> : null}
        </div>
        {task ? (
          <div className="mt-4 border-t border-zinc-100 pt-4" role="region" aria-label="Wallet action">
            <Suspense fallback={<p className="text-sm text-zinc-600" aria-busy="true">Loading your wallet…</p>}>
              <FractionWallet
                key={taskKey}
                task={task}
                chainId={data.chainId}
                chainName={data.chainName}
                coin={coin}
                fractions={data.contracts.fractions as Address}
                marketplace={data.contracts.marketplace as Address}
                fiatOf={fiatOf}
                onDone={onDone}
              />
            </Suspense>
          </div>
        ) : null}
        <p className="mt-4 text-xs text-zinc-500">
          Shares are ERC-1155 tokens of the platform's vault (id {shortAddress(fraction.id)}). Sales settle on chain through the marketplace: the buyer's
          payment is credited to the seller in the escrow, minus the event's royalty and the platform fee.
        </p>
      </section>
    </article>
  );
}
