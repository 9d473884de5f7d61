import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useEffect, useState } from "react";
import { parseEventLogs, type Address, type BaseError, type Hash } from "viem";
import { useAccount, usePublicClient, useSignTypedData, useSwitchChain, useWriteContract } from "wagmi";
import { concertTicketAbi, fractionalTicketOwnershipAbi, marketplaceAbi } from "~/contracts/abi";
import { formatWei } from "~/lib/format";
import { fractionErrorMessage, MAX_SPLIT, MIN_SPLIT, parseCoin, parseShares } from "~/lib/fractions";
import { NATIVE_CURRENCY, orderTypedData, randomSalt, type Order } from "~/lib/orders";
import { REMEMBER_KEY, WALLET_CONNECTED_EVENT } from "./ConnectWallet";
import { WalletProviders } from "./wallet.client";

/**
 * Every wallet action on fractions, loaded on demand (React.lazy) so wagmi and RainbowKit stay out of first
 * page loads: split a ticket (My tickets), and on /fractions/:id list shares, buy shares from a listing,
 * redeem with every share, start a buyout, cash out, collect the refund of a cancelled event.
 */

export interface ListingForBuy {
  hash: string;
  seller: string;
  available: string;
  price: string;
  order: { seller: string; token: string; tokenId: string; amount: string; price: string; currency: string; expiry: string; nonce: string; salt: string };
  signature: string;
}

export type FractionTask =
  | { kind: "split"; ticket: string; tokenId: string }
  | { kind: "list"; fractionId: string; totalShares: string; capPerShareWei: string | null; suggestedWei: string }
  | { kind: "buy"; fractionId: string; listing: ListingForBuy }
  | { kind: "redeem"; fractionId: string; totalShares: string }
  | { kind: "buyout"; fractionId: string; buyoutPrice: string }
  | { kind: "cashout"; fractionId: string; payout: string; totalShares: string }
  | { kind: "refund"; fractionId: string };

export interface FractionWalletProps {
  task: FractionTask;
  chainId: number;
  chainName: string;
  coin: string;
  fractions: string;
  marketplace: string;
  /** "≈ $45.00" for an amount in wei, or null without a fresh rate */
  fiatOf(wei: bigint): string | null;
  /** after a confirmed transaction (or a recorded listing): the page then waits for the indexer */
  onDone(result: { blockNumber: bigint | null; fractionId?: string }): void;
}

const button =
  "inline-flex items-center justify-center rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-not-allowed disabled:opacity-60";
const input =
  "mt-1 block w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-base shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30";

type Status = { tone: "pending" | "success" | "error"; title: string; detail?: React.ReactNode } | null;

function StatusLine({ status }: { status: Status }) {
  if (!status) return null;
  const styles = {
    pending: "border-brand-100 bg-brand-50 text-brand-900",
    success: "border-emerald-200 bg-emerald-50 text-emerald-900",
    error: "border-red-200 bg-red-50 text-red-900",
  }[status.tone];
  return (
    <div className={`flex gap-3 rounded-lg border p-3 text-sm ${styles}`}>
      {status.tone === "pending" ? (
        <span aria-hidden="true" className="mt-0.5 size-4 shrink-0 animate-spin rounded-full border-2 border-current border-t-transparent" />
      ) : (
        <span aria-hidden="true" className="font-bold">
          {status.tone === "success" ? "✓" : "!"}
        </span>
      )}
      <div className="min-w-0">
        <p className="font-semibold">{status.title}</p>
        {status.detail ? <p className="mt-0.5 break-words">{status.detail}</p> : null}
      </div>
    </div>
  );
}

/** Runs wallet steps one after the other with a status line; returns helpers for the forms. */
function useSteps(props: FractionWalletProps) {
  const client = usePublicClient({ chainId: props.chainId });
  const { writeContractAsync } = useWriteContract();
  const { signTypedDataAsync } = useSignTypedData();
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);

  async function send(title: string, write: () => Promise<Hash>) {
    setStatus({ tone: "pending", title: `Confirm in your wallet: ${title}` });
    const hash = await write();
    setStatus({ tone: "pending", title: `Waiting for confirmation: ${title}`, detail: <>Transaction <code className="break-all">{hash}</code></> });
    const receipt = await client!.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`The transaction was reverted on chain (${hash}). Only the network fee was spent.`);
    return receipt;
  }

  async function run(steps: () => Promise<Status>) {
    if (busy) return;
    setBusy(true);
    try {
      setStatus(await steps());
    } catch (error) {
      setStatus({ tone: "error", title: "That did not go through", detail: fractionErrorMessage(error, props.coin) });
    } finally {
      setBusy(false);
    }
  }

  return { client, writeContractAsync, signTypedDataAsync, status, busy, send, run, setStatus };
}

function Actions(props: FractionWalletProps & { account: Address }) {
  const { task, coin, account } = props;
  const fractions = props.fractions as Address;
  const marketplace = props.marketplace as Address;
  const steps = useSteps(props);
  const { client, send, run, busy, status } = steps;

  // Split
  const [shares, setShares] = useState("10");
  const [buyout, setBuyout] = useState("");
  const [face, setFace] = useState<bigint | null>(null);
  const splitTicket = task.kind === "split" ? (task.ticket as Address) : null;
  const splitToken = task.kind === "split" ? BigInt(task.tokenId) : null;
  useEffect(() => {
    // The face value the vault records (ticketData.price) suggests the buyout price.
    if (!splitTicket || splitToken === null || !client) return;
    let live = true;
    client
      .readContract({ address: splitTicket, abi: concertTicketAbi, functionName: "ticketData", args: [splitToken] })
      .then((d) => {
        if (!live) return;
        setFace(d.price);
        if (d.price > 0n) setBuyout((b) => b || trimCoin(d.price.toString()));
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [client, splitTicket, splitToken]);
  // List
  const [listAmount, setListAmount] = useState("1");
  const [listPrice, setListPrice] = useState(task.kind === "list" ? trimCoin(task.suggestedWei) : "");
  // Buy
  const [buyAmount, setBuyAmount] = useState(task.kind === "buy" ? task.listing.available : "1");
  const [held, setHeld] = useState<bigint | null>(null);

  const fractionId = task.kind === "split" ? null : BigInt(task.fractionId);
  useEffect(() => {
    if (fractionId === null || !client) return;
    let live = true;
    client
      .readContract({ address: fractions, abi: fractionalTicketOwnershipAbi, functionName: "balanceOf", args: [account, fractionId] })
      .then((b) => live && setHeld(b))
      .catch(() => live && setHeld(null));
    return () => {
      live = false;
    };
  }, [client, account, fractions, fractionId, status]);

  const heldLine =
    held === null || task.kind === "split" ? null : (
      <p className="text-sm text-zinc-700" data-testid="wallet-shares">
        This wallet holds <strong>{held.toString()}</strong> share{held === 1n ? "" : "s"}.
      </p>
    );

  if (task.kind === "split") {
    const n = parseShares(shares, MIN_SPLIT, MAX_SPLIT);
    const price = parseCoin(buyout);
    const invalid = n === null ? `Choose ${MIN_SPLIT} to ${MAX_SPLIT} shares.` : price === null ? `Enter a buyout price in ${coin}.` : null;
    const fiat = price ? props.fiatOf(price) : null;
    return (
      <form
        className="space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (invalid || n === null || price === null) return;
          void run(async () => {
            const ticket = task.ticket as Address;
            const tokenId = BigInt(task.tokenId);
            const approved = await client!.readContract({ address: ticket, abi: concertTicketAbi, functionName: "getApproved", args: [tokenId] });
            if (approved.toLowerCase() !== fractions.toLowerCase()) {
              await send("let the vault take the ticket", () =>
                steps.writeContractAsync({ address: ticket, abi: concertTicketAbi, functionName: "approve", args: [fractions, tokenId], chainId: props.chainId }),
              );
            }
            const receipt = await send(`split into ${n} shares`, () =>
              steps.writeContractAsync({
                address: fractions,
                abi: fractionalTicketOwnershipAbi,
                functionName: "fractionalize",
                args: [ticket, tokenId, BigInt(n), price],
                chainId: props.chainId,
              }),
            );
            const [log] = parseEventLogs({ abi: fractionalTicketOwnershipAbi, logs: receipt.logs, eventName: "Fractionalized" });
            const id = log?.args.id.toString();
            if (id) {
              // The shares page reads the indexer: wait (up to 30 s) until it knows the new shares.
              steps.setStatus({ tone: "pending", title: "Recording your shares…", detail: "The ticket is split; the shares page is being prepared." });
              for (let i = 0; i < 60; i++) {
                const answer = await fetch(`/fractions/${id}/status`, { headers: { accept: "application/json" } })
                  .then((r) => r.json() as Promise<{ indexed?: boolean }>)
                  .catch(() => null);
                if (answer?.indexed) break;
                await new Promise((r) => setTimeout(r, 500));
              }
            }
            props.onDone({ blockNumber: receipt.blockNumber, fractionId: id });
            return {
              tone: "success",
              title: `Split into ${n} shares`,
              detail: id ? (
                <a className="font-semibold underline" href={`/fractions/${id}`}>
                  Open the shares page
                </a>
              ) : undefined,
            };
          });
        }}
      >
        <div className="grid gap-4 sm:grid-cols-2">
          <label className="block text-sm font-medium text-zinc-800">
            Number of shares
            <input className={input} name="shares" inputMode="numeric" value={shares} onChange={(e) => setShares(e.target.value)} disabled={busy} aria-describedby="split-shares-help" />
            <span id="split-shares-help" className="mt-1 block text-xs font-normal text-zinc-500">
              {MIN_SPLIT} to {MAX_SPLIT}
            </span>
          </label>
          <label className="block text-sm font-medium text-zinc-800">
            Buyout price ({coin})
            <input className={input} name="buyout" inputMode="decimal" value={buyout} onChange={(e) => setBuyout(e.target.value)} disabled={busy} aria-describedby="split-buyout-help" />
            <span id="split-buyout-help" className="mt-1 block text-xs font-normal text-zinc-500" data-testid="buyout-fiat">
              {price ? `${formatWei(price, coin)}${fiat ? ` ${fiat}` : ""}` : "Anyone may pay this to take the whole ticket."}
            </span>
          </label>
        </div>
        {n !== null ? (
          <p className="text-sm text-zinc-700">
            Each share is 1/{n} of the ticket{face ? ` (${formatWei(face / BigInt(n), coin)} of its ${formatWei(face, coin)} face value)` : ""}.
          </p>
        ) : null}
        {invalid && (shares || buyout) ? (
          <p role="alert" className="text-sm text-red-800">
            {invalid}
          </p>
        ) : null}
        <button type="submit" className={button} disabled={busy || Boolean(invalid)}>
          {busy ? "Working…" : "Split ticket"}
        </button>
        <div role="status" aria-live="polite" data-testid="fraction-status">
          <StatusLine status={status} />
        </div>
      </form>
    );
  }

  if (task.kind === "list") {
    const amount = parseShares(listAmount, 1, Number(held ?? BigInt(task.totalShares)));
    const price = parseCoin(listPrice);
    const cap = task.capPerShareWei === null ? null : BigInt(task.capPerShareWei);
    const invalid =
      held === 0n
        ? "This wallet holds no shares to sell."
        : amount === null
          ? `Choose 1 to ${held ?? task.totalShares} shares.`
          : price === null
            ? `Enter a price per share in ${coin}.`
            : cap !== null && price > cap
              ? `The resale cap allows at most ${formatWei(cap, coin)} per share.`
              : null;
    const total = amount && price ? price * BigInt(amount) : null;
    return (
      <form
        className="space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (invalid || amount === null || price === null) return;
          void run(async () => {
            const approved = await client!.readContract({ address: fractions, abi: fractionalTicketOwnershipAbi, functionName: "isApprovedForAll", args: [account, marketplace] });
            if (!approved) {
              await send("let the marketplace deliver your shares when they sell", () =>
                steps.writeContractAsync({ address: fractions, abi: fractionalTicketOwnershipAbi, functionName: "setApprovalForAll", args: [marketplace, true], chainId: props.chainId }),
              );
            }
            const nonce = await client!.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "nonces", args: [account] });
            const order: Order = {
              seller: account,
              token: fractions,
              tokenId: BigInt(task.fractionId),
              amount: BigInt(amount),
              price,
              currency: NATIVE_CURRENCY,
              expiry: BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400),
              nonce,
              salt: randomSalt(),
            };
            steps.setStatus({ tone: "pending", title: "Sign the listing in your wallet", detail: "Signing is free; nothing moves until a buyer pays." });
            const signature = await steps.signTypedDataAsync({ account, ...orderTypedData(order, props.chainId, marketplace) });
            const response = await fetch(`/fractions/${task.fractionId}/listings`, {
              method: "POST",
              headers: { "content-type": "application/json", accept: "application/json" },
              body: JSON.stringify({ intent: "list", order: Object.fromEntries(Object.entries(order).map(([k, v]) => [k, String(v)])), signature }),
            });
            const body = (await response.json().catch(() => ({}))) as { error?: string };
            if (!response.ok) throw new Error(body.error ?? "The listing could not be recorded.");
            props.onDone({ blockNumber: null });
            return { tone: "success", title: `Listed ${amount} share${amount === 1 ? "" : "s"} at ${formatWei(price, coin)} each`, detail: "Buyers can take some or all of them; the listing is open for 30 days." };
          });
        }}
      >
        {heldLine}
        <div className="grid gap-4 sm:grid-cols-2">
          <label className="block text-sm font-medium text-zinc-800">
            Shares to sell
            <input className={input} name="amount" inputMode="numeric" value={listAmount} onChange={(e) => setListAmount(e.target.value)} disabled={busy} />
          </label>
          <label className="block text-sm font-medium text-zinc-800">
            Price per share ({coin})
            <input className={input} name="price" inputMode="decimal" value={listPrice} onChange={(e) => setListPrice(e.target.value)} disabled={busy} aria-describedby="list-price-help" />
            <span id="list-price-help" className="mt-1 block text-xs font-normal text-zinc-500">
              {cap !== null ? `At most ${formatWei(cap, coin)} (the event's resale cap)` : "No resale cap"}
            </span>
          </label>
        </div>
        {total ? (
          <p className="text-sm text-zinc-700">
            Selling all {amount} brings {formatWei(total, coin)}
            {props.fiatOf(total) ? ` (${props.fiatOf(total)})` : ""}; the royalty and platform fee come out of it, the rest is credited to you in the escrow.
          </p>
        ) : null}
        {invalid && held !== null ? (
          <p role="alert" className="text-sm text-red-800">
            {invalid}
          </p>
        ) : null}
        <button type="submit" className={button} disabled={busy || Boolean(invalid)}>
          {busy ? "Working…" : "List shares"}
        </button>
        <div role="status" aria-live="polite" data-testid="fraction-status">
          <StatusLine status={status} />
        </div>
      </form>
    );
  }

  if (status?.tone === "success") {
    // Done: the listing or action it was about may be gone; show the result only (the page reloads its numbers).
    return (
      <div className="space-y-3">
        {heldLine}
        <div role="status" aria-live="polite" data-testid="fraction-status">
          <StatusLine status={status} />
        </div>
      </div>
    );
  }

  if (task.kind === "buy") {
    const { listing } = task;
    const amount = parseShares(buyAmount, 1, Number(listing.available));
    const total = amount ? BigInt(listing.price) * BigInt(amount) : null;
    return (
      <form
        className="space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (amount === null || total === null) return;
          void run(async () => {
            const o = listing.order;
            const order: Order = {
              seller: o.seller as Address,
              token: o.token as Address,
              tokenId: BigInt(o.tokenId),
              amount: BigInt(o.amount),
              price: BigInt(o.price),
              currency: o.currency as Address,
              expiry: BigInt(o.expiry),
              nonce: BigInt(o.nonce),
              salt: BigInt(o.salt),
            };
            const receipt = await send(`pay ${formatWei(total, coin)} for ${amount} share${amount === 1 ? "" : "s"}`, () =>
              steps.writeContractAsync({
                address: marketplace,
                abi: marketplaceAbi,
                functionName: "fill",
                args: [order, listing.signature as Hash, BigInt(amount)],
                value: total,
                chainId: props.chainId,
              }),
            );
            props.onDone({ blockNumber: receipt.blockNumber });
            return { tone: "success", title: `You bought ${amount} share${amount === 1 ? "" : "s"}`, detail: `Paid ${formatWei(total, coin)}.` };
          });
        }}
      >
        {heldLine}
        <div className="flex flex-wrap items-end gap-4">
          <label className="block text-sm font-medium text-zinc-800">
            Shares to buy
            <input className={`${input} w-28`} name="amount" inputMode="numeric" value={buyAmount} onChange={(e) => setBuyAmount(e.target.value)} disabled={busy} aria-describedby="buy-help" />
            <span id="buy-help" className="mt-1 block text-xs font-normal text-zinc-500">
              1 to {listing.available}
            </span>
          </label>
          <div className="text-sm">
            <p className="text-zinc-600">Total</p>
            <p className="text-lg font-semibold">
              {total ? formatWei(total, coin) : "—"}
              {total && props.fiatOf(total) ? <span className="ml-2 text-sm font-normal text-zinc-600">{props.fiatOf(total)}</span> : null}
            </p>
          </div>
          <button type="submit" className={`${button} ml-auto`} disabled={busy || amount === null}>
            {busy ? "Working…" : total ? `Pay ${formatWei(total, coin)}` : "Buy"}
          </button>
        </div>
        <div role="status" aria-live="polite" data-testid="fraction-status">
          <StatusLine status={status} />
        </div>
      </form>
    );
  }

  // One-button actions.
  const single = {
    redeem: {
      explain: `Redeeming burns all ${"totalShares" in task ? task.totalShares : ""} shares and moves the ticket into this wallet: you then attend.`,
      label: "Redeem the ticket",
      value: undefined as bigint | undefined,
      fn: "redeem" as const,
      done: "The ticket is yours again",
    },
    buyout: {
      explain: `Pay the buyout price to take the ticket now; the money is kept for the share holders, who cash out their part.`,
      label: task.kind === "buyout" ? `Buy out for ${formatWei(task.buyoutPrice, coin)}` : "",
      value: task.kind === "buyout" ? BigInt(task.buyoutPrice) : undefined,
      fn: "buyout" as const,
      done: "You bought the ticket out",
    },
    cashout: {
      explain:
        task.kind === "cashout" && held
          ? `Burn your ${held} share${held === 1n ? "" : "s"} for about ${formatWei((BigInt(task.payout) * held) / BigInt(task.totalShares), coin)}.`
          : "Burn your shares for your part of the payout.",
      label: "Cash out my shares",
      value: undefined,
      fn: "cashOut" as const,
      done: "Cashed out",
    },
    refund: {
      explain: "The event was cancelled: collect the ticket's refund into the vault, then every holder cashes out their part.",
      label: "Collect the refund",
      value: undefined,
      fn: "collectRefund" as const,
      done: "Refund collected: holders can now cash out",
    },
  }[task.kind];
  return (
    <div className="space-y-4">
      {heldLine}
      <p className="text-sm text-zinc-700">{single.explain}</p>
      <button
        type="button"
        className={button}
        disabled={busy || (task.kind === "redeem" && held !== null && held.toString() !== task.totalShares) || (task.kind === "cashout" && held === 0n)}
        onClick={() =>
          void run(async () => {
            const receipt = await send(single.label, () =>
              steps.writeContractAsync({
                address: fractions,
                abi: fractionalTicketOwnershipAbi,
                functionName: single.fn,
                args: [BigInt(task.fractionId)],
                value: single.value,
                chainId: props.chainId,
              } as Parameters<typeof steps.writeContractAsync>[0]),
            );
            props.onDone({ blockNumber: receipt.blockNumber });
            return { tone: "success", title: single.done };
          })
        }
      >
        {busy ? "Working…" : single.label}
      </button>
      <div role="status" aria-live="polite" data-testid="fraction-status">
        <StatusLine status={status} />
      </div>
    </div>
  );
}

/** "180000000000000000000" → "180" for an input's starting value. */
function trimCoin(wei: string): string {
  return formatWei(wei, "").trim().replace(/,/g, "");
}

function Gate(props: FractionWalletProps) {
  const { isConnected, chainId: walletChainId, address, status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { switchChain, isPending: switching, error: switchError } = useSwitchChain();

  useEffect(() => {
    if (!isConnected) return;
    window.localStorage.setItem(REMEMBER_KEY, "1");
    window.dispatchEvent(new Event(WALLET_CONNECTED_EVENT));
  }, [isConnected]);

  // Only before any account is known: a reconnect of an already known account (the header's wallet button
  // loading) must not unmount the form the fan is filling in.
  if (!address && (status === "reconnecting" || status === "connecting")) {
    return (
      <p className="text-sm text-zinc-600" aria-busy="true">
        Connecting to your wallet…
      </p>
    );
  }
  if (!address || (!isConnected && status !== "reconnecting")) {
    return (
      <div className="space-y-3">
        <p className="text-sm text-zinc-700">Connect the wallet that holds (or will hold) the shares.</p>
        <button type="button" className={button} onClick={() => openConnectModal?.()} disabled={!openConnectModal}>
          Connect wallet
        </button>
      </div>
    );
  }
  if (walletChainId !== props.chainId) {
    return (
      <div role="alert" className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900">
        <p>
          Your wallet is on another network{walletChainId ? ` (chain ${walletChainId})` : ""}. These shares live on <strong>{props.chainName}</strong>.
        </p>
        <button type="button" className={button} onClick={() => switchChain({ chainId: props.chainId })} disabled={switching}>
          {switching ? "Switching…" : `Switch to ${props.chainName}`}
        </button>
        {switchError ? <p className="text-red-800">Your wallet could not switch: {(switchError as BaseError).shortMessage ?? switchError.message}</p> : null}
      </div>
    );
  }
  return <Actions {...props} account={address} />;
}

export default function FractionWallet(props: FractionWalletProps) {
  return (
    <WalletProviders>
      <Gate {...props} />
    </WalletProviders>
  );
}
