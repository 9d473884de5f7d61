import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Dialog, DialogPanel, DialogTitle } from "@headlessui/react";
import { Link, useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { lazy, Suspense, useEffect, useState } from "react";
import type { Address } from "viem";
import { DoorPassDialog } from "~/components/DoorPassDialog";
import { KeptTicketDialog } from "~/components/KeptTicketDialog";
import { formatCents, formatEventDate, formatWei, shortAddress } from "~/lib/format";
import { FRACTION_STATE_LABEL } from "~/lib/fractions";
import { weiToCents } from "~/lib/prices";
import { CHAINS, env } from "~/env.server";
import { mySharesSummary, type MyShares } from "~/services/fractions.server";
import { coinPrice, isStale } from "~/services/prices.server";
import { STATUS_LABEL, ticketKey, type TicketStatus } from "~/lib/tickets";
import { currentDeployment, viemChain } from "~/services/chain.server";
import { refundInfo, type RefundInfo } from "~/services/refunds.server";
import { commitSession, requireUser } from "~/services/session.server";
import { listMyTickets, type MyTicket } from "~/services/tickets.server";
import { listingsOfSellers } from "~/services/resale.server";
import { waitlistEvents } from "~/services/waitlist.server";
import { getDb } from "../../db/client.server";

/** The sell dialog's wallet code (wagmi + RainbowKit) loads only when a fan clicks "Sell". */
const SellTicket = lazy(() => import("~/components/SellTicket.client"));
const TransferTicket = lazy(() => import("~/components/TransferTicket.client"));
/** "Claim refund" sends PaymentEscrow.claimRefund from the fan's wallet: wagmi loads only when needed. */
const ChainAction = lazy(() => import("~/components/promoter/ChainAction.client"));
/** Splitting a ticket into shares needs the wallet (wagmi + RainbowKit): downloaded only when a fan opens the dialog. */
const FractionWallet = lazy(() => import("~/components/FractionWallet.client"));

export const meta: MetaFunction = () => [{ title: "My tickets — TicketChain" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = await getDb();
  const mine = await listMyTickets(db, user);
  const chain = viemChain();
  // Open resale listings of the fan's own wallet and of the wallet TicketChain keeps for them (one-click
  // listings), from the database and the indexer (a buyer's fill is checked on chain).
  const sellers = [user.walletAddress, mine.embeddedAddress].filter((a): a is string => Boolean(a));
  const listed = sellers.length ? await listingsOfSellers(db, sellers, chain.id) : [];
  const cancelled = mine.tickets.filter((t) => t.status === "refundable" || t.status === "refunded");
  const deployment = currentDeployment();
  const price = await coinPrice();
  const rate = price && !isStale(price) ? { answer: price.answer, decimals: price.decimals } : null;
  // Events whose promoter runs a face-value waitlist: their valid tickets can be sold to it.
  const waitlistSlugs = await waitlistEvents(db, [...new Set(mine.tickets.filter((t) => t.status === "valid" && t.eventSlug).map((t) => t.eventSlug!))]);
  const shares = deployment
    ? await mySharesSummary(db, CHAINS[env().chain].id, deployment.fractions, [mine.walletAddress, mine.embeddedAddress].filter((a): a is string => Boolean(a)))
    : [];
  return Response.json(
    {
      user: { email: user.email, walletAddress: user.walletAddress },
      chainName: chain.name,
      chainId: chain.id,
      coin: chain.nativeCurrency.symbol,
      listings: listed.map((l) => ({ id: l.id, key: ticketKey(l.contractAddress, l.tokenId), priceWei: l.priceWei, waitlist: l.waitlist })),
      waitlistSlugs,
      escrow: currentDeployment()?.escrow ?? null,
      refunds: await refundInfo(db, chain.id, cancelled),
      contracts: deployment ? { fractions: deployment.fractions, marketplace: deployment.marketplace } : null,
      shares,
      rate,
      ...mine,
    },
    { headers: await commitSession(request) },
  );
}

type LoaderData = {
  user: { email: string | null; walletAddress: string | null };
  chainName: string;
  chainId: number;
  coin: string;
  listings: Array<{ id: string; key: string; priceWei: string; waitlist: boolean }>;
  waitlistSlugs: string[];
  escrow: string | null;
  refunds: Record<string, RefundInfo>;
  contracts: { fractions: string; marketplace: string } | null;
  shares: MyShares[];
  rate: { answer: string; decimals: number } | null;
  tickets: MyTicket[];
  embeddedAddress: string | null;
  walletAddress: string | null;
};

interface ClaimResponse {
  error?: string;
  txHash?: string | null;
  to?: string;
  results?: Array<{ contract: string; tokenId: string; ok: boolean; message: string }>;
}

const BADGE: Record<TicketStatus, string> = {
  valid: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
  "checked-in": "bg-zinc-100 text-zinc-700 ring-zinc-500/20",
  fractional: "bg-sky-50 text-sky-800 ring-sky-600/20",
  refundable: "bg-amber-50 text-amber-900 ring-amber-600/30",
  refunded: "bg-zinc-100 text-zinc-600 ring-zinc-500/20",
};

function StatusBadge({ status }: { status: TicketStatus }) {
  return (
    <span className={`inline-flex shrink-0 items-center whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${BADGE[status]}`}>
      {STATUS_LABEL[status]}
    </span>
  );
}

function RefundNote({ ticket, data }: { ticket: MyTicket; data: LoaderData }) {
  const info = data.refunds[ticketKey(ticket.contractAddress, ticket.tokenId)];
  const [hydrated, setHydrated] = useState(false);
  const [claimed, setClaimed] = useState(false);
  const revalidator = useRevalidator();
  useEffect(() => setHydrated(true), []);
  // After the claim is confirmed, reload until the indexer has seen RefundClaimed.
  useEffect(() => {
    if (!claimed || ticket.status === "refunded") return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 1000);
    return () => clearInterval(timer);
  }, [claimed, ticket.status, revalidator]);
  if (ticket.status === "refunded") return <p className="bg-zinc-50 px-5 py-2 text-sm text-zinc-700">This event was cancelled: your refund was paid to your wallet.</p>;
  if (info?.kind === "card") {
    return (
      <p className="bg-amber-50 px-5 py-2 text-sm text-amber-900" data-testid="refund-note">
        {info.refunded ? "This event was cancelled: refunded to your card." : "This event was cancelled: your card refund is being processed."}
      </p>
    );
  }
  if (info?.kind === "wallet" && !ticket.heldByPlatform && data.escrow) {
    return (
      <div className="space-y-2 bg-amber-50 px-5 py-3 text-sm text-amber-900" data-testid="refund-note">
        <p>
          This event was cancelled: claim back the {formatWei(info.amountWei, data.coin)} you paid{claimed ? " — refund sent, updating…" : "."}
        </p>
        {hydrated ? (
          <Suspense fallback={<p aria-busy="true">Loading your wallet…</p>}>
            <ChainAction
              spec={{ kind: "refund", escrow: data.escrow as Address, contract: ticket.contractAddress as Address, tokenId: ticket.tokenId }}
              chainId={data.chainId}
              chainName={data.chainName}
              expectedWallet={data.walletAddress}
              label={`Claim refund for #${ticket.tokenId}`}
              onConfirmed={() => setClaimed(true)}
            />
          </Suspense>
        ) : null}
      </div>
    );
  }
  return <p className="bg-amber-50 px-5 py-2 text-sm text-amber-900">This event was cancelled: the ticket's price can be refunded.</p>;
}

interface Listed {
  id: string;
  priceWei: string;
  waitlist: boolean;
}

type SellMode = "sell" | "transfer" | "waitlist";

function TicketCard({
  ticket,
  onClaim,
  onShow,
  onSplit,
  onSell,
  listed,
  coin,
}: {
  ticket: MyTicket;
  onClaim: (t: MyTicket) => void;
  onShow: (t: MyTicket) => void;
  onSplit?: (t: MyTicket) => void;
  onSell: ((t: MyTicket, mode: SellMode) => void) | null;
  listed: Listed | null;
  coin: string;
}) {
  const data = useLoaderData<LoaderData>();
  return (
    <li className="flex flex-col overflow-hidden rounded-2xl border border-zinc-200 bg-white shadow-sm" data-testid="ticket">
      <div className="flex items-start justify-between gap-3 border-b border-dashed border-zinc-200 p-5">
        <div className="min-w-0">
          <h2 className="line-clamp-2 text-lg font-semibold">
            {ticket.eventSlug ? (
              <Link to={`/events/${ticket.eventSlug}`} className="hover:underline">
                {ticket.eventName}
              </Link>
            ) : (
              (ticket.eventName ?? "Unknown event")
            )}
          </h2>
          {ticket.startsAt ? (
            <p className="text-sm text-zinc-600">
              <time dateTime={ticket.startsAt}>{formatEventDate(ticket.startsAt)}</time>
            </p>
          ) : null}
          {ticket.venue ? (
            <p className="text-sm text-zinc-600">
              {ticket.venue}
              {ticket.city ? `, ${ticket.city}` : ""}
            </p>
          ) : null}
        </div>
        <StatusBadge status={ticket.status} />
      </div>
      <div className="flex flex-1 flex-wrap items-end justify-between gap-3 p-5">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm">
          <dt className="text-zinc-500">Tier</dt>
          <dd className="font-medium">{ticket.tierName ?? "—"}</dd>
          <dt className="text-zinc-500">Ticket</dt>
          <dd className="font-medium">#{ticket.tokenId}</dd>
          <dt className="text-zinc-500">Held in</dt>
          <dd className="font-medium">{ticket.heldByPlatform ? "Kept by TicketChain" : "Your wallet"}</dd>
        </dl>
        <div className="flex flex-wrap gap-2">
        {ticket.status === "valid" ? (
          <button
            type="button"
            onClick={() => onShow(ticket)}
            className="rounded-lg bg-brand-700 px-3 py-2 text-sm font-semibold text-white hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          >
            Show ticket
          </button>
        ) : null}
        {ticket.claimable ? (
          <button
            type="button"
            onClick={() => onClaim(ticket)}
            className="rounded-lg border border-brand-700 px-3 py-2 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          >
            Claim to my wallet
          </button>
        ) : null}
        {onSplit && ticket.status === "valid" && !ticket.heldByPlatform ? (
          <button
            type="button"
            onClick={() => onSplit(ticket)}
            className="rounded-lg border border-zinc-300 px-3 py-2 text-sm font-semibold text-zinc-800 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          >
            Split into shares
          </button>
        ) : null}
        {onSell ? (
          <button
            type="button"
            onClick={() => onSell(ticket, "transfer")}
            aria-label={`Transfer ticket #${ticket.tokenId} to a friend`}
            className="rounded-lg px-3 py-2 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          >
            Transfer to a friend
          </button>
        ) : null}
        {onSell && !listed && ticket.eventSlug && data.waitlistSlugs.includes(ticket.eventSlug) ? (
          <button
            type="button"
            onClick={() => onSell(ticket, "waitlist")}
            aria-label={`Sell ticket #${ticket.tokenId} to the waitlist`}
            className="rounded-lg border border-brand-700 px-3 py-2 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          >
            Sell to the waitlist
          </button>
        ) : null}
        {onSell ? (
          <button
            type="button"
            onClick={() => onSell(ticket, "sell")}
            aria-label={`${listed ? "Manage listing of" : "Sell"} ticket #${ticket.tokenId}`}
            className="rounded-lg border border-brand-700 px-3 py-2 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          >
            {listed ? "Manage listing" : "Sell"}
          </button>
        ) : null}
        </div>
      </div>
      {listed ? (
        <p className="bg-brand-50 px-5 py-2 text-sm text-brand-900" data-testid="listed">
          {listed.waitlist ? "Held for the waitlist at face value" : "Listed for resale at"} {formatWei(listed.priceWei, coin)}
        </p>
      ) : null}
      {ticket.status === "refundable" || ticket.status === "refunded" ? <RefundNote ticket={ticket} data={data} /> : null}
    </li>
  );
}

function ClaimDialog({
  open,
  onClose,
  tickets,
  suggested,
}: {
  open: boolean;
  onClose: () => void;
  tickets: MyTicket[];
  suggested: string | null;
}) {
  const fetcher = useFetcher<ClaimResponse>();
  const [to, setTo] = useState(suggested ?? "");
  const busy = fetcher.state !== "idle";
  const data = fetcher.state === "idle" ? fetcher.data : undefined;
  const done = Boolean(data?.results?.some((r) => r.ok));

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    fetcher.submit(
      { to, tickets: tickets.map((t) => ticketKey(t.contractAddress, t.tokenId)) },
      { method: "post", action: "/tickets/claim", encType: "application/json" },
    );
  };

  return (
    <Dialog open={open} onClose={busy ? () => {} : onClose} className="relative z-50">
      <div className="fixed inset-0 bg-zinc-900/40" aria-hidden="true" />
      <div className="fixed inset-0 flex items-end justify-center p-4 sm:items-center">
        <DialogPanel className="w-full max-w-md rounded-2xl bg-white p-6 shadow-xl">
          <DialogTitle className="text-lg font-semibold">
            Claim {tickets.length === 1 ? `ticket #${tickets[0]!.tokenId}` : `${tickets.length} tickets`} to your wallet
          </DialogTitle>
          <p className="mt-1 text-sm text-zinc-600">
            TicketChain keeps your card-bought tickets in a wallet for you. Claiming moves them to a wallet you control —
            we pay the network fee. After that only your wallet can move them, so keep its recovery phrase safe.
          </p>
          {done ? (
            <div role="status" className="mt-4 space-y-2">
              {data!.results!.map((r) => (
                <p key={`${r.contract}:${r.tokenId}`} className={`rounded-lg p-3 text-sm ${r.ok ? "bg-emerald-50 text-emerald-900" : "bg-red-50 text-red-800"}`}>
                  {r.message}
                </p>
              ))}
              <button type="button" onClick={onClose} className="mt-2 w-full rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white hover:bg-brand-600">
                Done
              </button>
            </div>
          ) : (
            <form onSubmit={submit} className="mt-4" noValidate>
              <label htmlFor="claim-to" className="block text-sm font-medium text-zinc-800">
                Your wallet address
              </label>
              <input
                id="claim-to"
                name="to"
                value={to}
                onChange={(e) => setTo(e.target.value)}
                required
                spellCheck={false}
                autoComplete="off"
                placeholder="0x…"
                pattern="^0x[0-9a-fA-F]{40}$"
                className="mt-1 block w-full rounded-lg border border-zinc-300 px-3 py-2 font-mono text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30"
                aria-invalid={data?.error ? true : undefined}
                aria-describedby={data?.error ? "claim-error" : undefined}
              />
              {data?.error ? (
                <p id="claim-error" role="alert" className="mt-2 rounded-lg bg-red-50 p-3 text-sm text-red-800">
                  {data.error}
                </p>
              ) : null}
              <div className="mt-5 flex gap-3">
                <button type="button" onClick={onClose} disabled={busy} className="flex-1 rounded-lg border border-zinc-300 px-4 py-2.5 text-sm font-semibold hover:bg-zinc-50 disabled:opacity-60">
                  Cancel
                </button>
                <button type="submit" disabled={busy} className="flex-1 rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white hover:bg-brand-600 disabled:opacity-60">
                  {busy ? "Moving…" : "Claim"}
                </button>
              </div>
            </form>
          )}
        </DialogPanel>
      </div>
    </Dialog>
  );
}

function SellDialog({
  ticket,
  mode,
  owner,
  listed,
  chainId,
  coin,
  onClose,
}: {
  ticket: MyTicket;
  mode: SellMode;
  owner: string;
  listed: Listed | null;
  chainId: number;
  coin: string;
  onClose: () => void;
}) {
  const revalidator = useRevalidator();
  const [done, setDone] = useState<string | null>(null);
  // What the dialog was opened for (the page reloads its data after listing; the dialog keeps its purpose).
  const [opened] = useState(listed);
  return (
    <Dialog open onClose={onClose} className="relative z-50">
      <div className="fixed inset-0 bg-zinc-900/40" aria-hidden="true" />
      <div className="fixed inset-0 flex items-end justify-center overflow-y-auto p-4 sm:items-center">
        <DialogPanel className="w-full max-w-md rounded-2xl bg-white p-6 shadow-xl">
          <DialogTitle className="text-lg font-semibold">
            {mode === "transfer" ? "Transfer to a friend" : opened ? "Your listing" : mode === "waitlist" ? "Sell to the waitlist" : "Sell"} · ticket #{ticket.tokenId}
          </DialogTitle>
          <p className="mt-1 text-sm text-zinc-600">
            {ticket.eventName} · {ticket.tierName ?? "Ticket"}
          </p>
          <div className="mt-4">
            {done ? (
              <div role="status" className="space-y-3">
                <p className="rounded-lg bg-emerald-50 p-3 text-sm text-emerald-900">✓ {done}</p>
                <button type="button" onClick={onClose} className="w-full rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white hover:bg-brand-600">
                  Done
                </button>
              </div>
            ) : (
              <Suspense fallback={<p className="text-sm text-zinc-600" aria-busy="true">Loading wallet…</p>}>
                {mode === "transfer" ? (
                  <TransferTicket
                    contract={ticket.contractAddress as Address}
                    tokenId={ticket.tokenId}
                    owner={owner as Address}
                    chainId={chainId}
                    listed={Boolean(opened)}
                    onDone={(message) => {
                      setDone(message);
                      revalidator.revalidate();
                    }}
                  />
                ) : (
                <SellTicket
                  contract={ticket.contractAddress as Address}
                  tokenId={ticket.tokenId}
                  chainId={chainId}
                  coin={coin}
                  listingId={opened?.id ?? null}
                  waitlist={mode === "waitlist"}
                  onDone={(message) => {
                    setDone(message);
                    revalidator.revalidate();
                  }}
                />
                )}
              </Suspense>
            )}
          </div>
          {!done ? (
            <button type="button" onClick={onClose} className="mt-4 w-full rounded-lg border border-zinc-300 px-4 py-2.5 text-sm font-semibold hover:bg-zinc-50">
              Close
            </button>
          ) : null}
        </DialogPanel>
      </div>
    </Dialog>
  );
}

function SplitDialog({ ticket, data, onClose }: { ticket: MyTicket; data: LoaderData; onClose: () => void }) {
  return (
    <Dialog open onClose={onClose} className="relative z-50">
      <div className="fixed inset-0 bg-zinc-900/40" aria-hidden="true" />
      <div className="fixed inset-0 flex items-end justify-center overflow-y-auto p-4 sm:items-center">
        <DialogPanel className="w-full max-w-lg rounded-2xl bg-white p-6 shadow-xl">
          <DialogTitle className="text-lg font-semibold">Split ticket #{ticket.tokenId} into shares</DialogTitle>
          <p className="mt-1 text-sm text-zinc-600">
            {ticket.eventName}
            {ticket.tierName ? ` · ${ticket.tierName}` : ""}
          </p>
          <div className="mt-3 space-y-2 rounded-lg bg-zinc-50 p-3 text-sm text-zinc-700">
            <p>
              The ticket is locked in TicketChain's vault contract and you receive shares for it. You can sell shares to friends or
              anyone (fans can buy part of a ticket), keep the rest, and buy them back.
            </p>
            <p>
              <strong>Who attends:</strong> whoever gathers every share and redeems them gets the ticket back; or anyone may pay the
              buyout price you set now and take the ticket, the money then being shared among the holders. While split, the ticket
              cannot be used at the door.
            </p>
          </div>
          <div className="mt-4">
            {data.contracts ? (
              <Suspense fallback={<p className="text-sm text-zinc-600" aria-busy="true">Loading your wallet…</p>}>
                <FractionWallet
                  task={{ kind: "split", ticket: ticket.contractAddress, tokenId: ticket.tokenId }}
                  chainId={data.chainId}
                  chainName={data.chainName}
                  coin={data.coin}
                  fractions={data.contracts.fractions}
                  marketplace={data.contracts.marketplace}
                  fiatOf={(wei) => (data.rate ? `≈ ${formatCents(weiToCents(wei, BigInt(data.rate.answer), data.rate.decimals))}` : null)}
                  onDone={() => {}}
                />
              </Suspense>
            ) : (
              <p role="alert" className="text-sm text-red-800">
                The platform's contracts are not deployed on this chain.
              </p>
            )}
          </div>
          <button type="button" onClick={onClose} className="mt-4 w-full rounded-lg border border-zinc-300 px-4 py-2.5 text-sm font-semibold hover:bg-zinc-50">
            Close
          </button>
        </DialogPanel>
      </div>
    </Dialog>
  );
}

function SharesList({ shares }: { shares: MyShares[] }) {
  return (
    <section className="mt-10" aria-labelledby="shares-heading">
      <h2 id="shares-heading" className="text-xl font-bold tracking-tight">
        My shares
      </h2>
      <ul className="mt-3 divide-y divide-zinc-100 rounded-2xl border border-zinc-200 bg-white shadow-sm">
        {shares.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center justify-between gap-3 p-4" data-testid="share-holding">
            <div className="min-w-0">
              <p className="font-semibold">{s.eventName ?? "Ticket"}</p>
              <p className="text-sm text-zinc-600">
                {s.tierName ?? "Ticket"} · #{s.tokenId} · {s.balance} of {s.totalShares} shares · {FRACTION_STATE_LABEL[s.state]}
              </p>
            </div>
            <Link to={`/fractions/${s.id}`} className="rounded-lg border border-brand-700 px-3 py-2 text-sm font-semibold text-brand-700 hover:bg-brand-50">
              View shares
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function MyTickets() {
  const { tickets, user, walletAddress, embeddedAddress, chainName, chainId, coin, listings } = useLoaderData<LoaderData>();
  const [claiming, setClaiming] = useState<MyTicket[] | null>(null);
  const [selling, setSelling] = useState<{ ticket: MyTicket; mode: SellMode } | null>(null);
  const listedOf = (t: MyTicket) => listings.find((l) => l.key === ticketKey(t.contractAddress, t.tokenId)) ?? null;
  // Resale from the fan's own wallet (the one they signed in with), or one-click for TicketChain-kept tickets.
  const sellable = (t: MyTicket) => t.status === "valid" && (t.heldByPlatform || Boolean(walletAddress));
  const [showing, setShowing] = useState<MyTicket | null>(null);
  const [splitting, setSplitting] = useState<MyTicket | null>(null);
  const data = useLoaderData<LoaderData>();
  const claimable = tickets.filter((t) => t.claimable);
  const signedInAs = walletAddress ? shortAddress(walletAddress) : user.email;

  return (
    <div>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-3xl font-bold tracking-tight">My tickets</h1>
          <p className="mt-1 text-sm text-zinc-600">
            Signed in as <span className="font-medium text-zinc-800">{signedInAs}</span> · tickets on {chainName}
          </p>
        </div>
        {claimable.length > 1 ? (
          <button
            type="button"
            onClick={() => setClaiming(claimable)}
            className="rounded-lg bg-brand-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-600"
          >
            Claim all {claimable.length} to my wallet
          </button>
        ) : null}
      </div>

      {tickets.length === 0 && data.shares.length === 0 ? (
        <section className="mt-8 rounded-2xl border border-dashed border-zinc-300 bg-white p-8 text-center" aria-labelledby="empty-heading">
          <h2 id="empty-heading" className="text-lg font-semibold">
            No tickets yet
          </h2>
          <p className="mx-auto mt-2 max-w-prose text-zinc-600">
            Pick a show and buy by card — we keep the tickets safe in a wallet for you and you can claim them to your
            own wallet any time — or pay with your wallet and they go straight into it. Tickets you buy appear here.
          </p>
          <Link
            to="/"
            className="mt-6 inline-block rounded-lg bg-brand-700 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-600"
          >
            Browse events
          </Link>
        </section>
      ) : (
        <ul className="mt-6 grid gap-4 sm:grid-cols-2" aria-label="Tickets">
          {tickets.map((ticket) => (
            <TicketCard
              key={ticketKey(ticket.contractAddress, ticket.tokenId)}
              ticket={ticket}
              onClaim={(t) => setClaiming([t])}
              onShow={setShowing}
              onSplit={setSplitting}
              onSell={sellable(ticket) ? (t, mode) => setSelling({ ticket: t, mode }) : null}
              listed={listedOf(ticket)}
              coin={coin}
            />
          ))}
        </ul>
      )}

      {embeddedAddress ? (
        <p className="mt-8 text-xs text-zinc-500">
          Wallet TicketChain keeps for you: <span className="font-mono">{embeddedAddress}</span>
        </p>
      ) : null}

      {selling && selling.ticket.heldByPlatform ? (
        <KeptTicketDialog ticket={selling.ticket} mode={selling.mode} listing={listedOf(selling.ticket)} coin={coin} onClose={() => setSelling(null)} />
      ) : null}

      {selling && !selling.ticket.heldByPlatform && walletAddress ? (
        <SellDialog
          ticket={selling.ticket}
          mode={selling.mode}
          owner={walletAddress}
          listed={listedOf(selling.ticket)}
          chainId={chainId}
          coin={coin}
          onClose={() => setSelling(null)}
        />
      ) : null}

      {data.shares.length ? <SharesList shares={data.shares} /> : null}

      {splitting ? <SplitDialog ticket={splitting} data={data} onClose={() => setSplitting(null)} /> : null}

      {showing ? (
        <DoorPassDialog ticket={showing} owner={showing.heldByPlatform ? embeddedAddress : walletAddress} chainId={chainId} onClose={() => setShowing(null)} />
      ) : null}

      {claiming ? (
        <ClaimDialog
          open
          onClose={() => setClaiming(null)}
          tickets={claiming}
          suggested={walletAddress && walletAddress.toLowerCase() !== embeddedAddress?.toLowerCase() ? walletAddress : null}
        />
      ) : null}
    </div>
  );
}
