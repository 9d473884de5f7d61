import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useCallback, useEffect, useState } from "react";
import { formatEther, isAddressEqual, parseEther, type Address, type BaseError } from "viem";
import { useAccount, useSignTypedData, useSwitchChain, useWriteContract, usePublicClient } from "wagmi";
import { concertTicketAbi, marketplaceAbi } from "~/contracts/abi";
import { formatWei } from "~/lib/format";
import { WAITLIST_OFFER_MINUTES } from "~/lib/waitlist";
import { NATIVE_CURRENCY, orderTypedData, randomSalt, type Order } from "~/lib/orders";
import { WalletProviders } from "./wallet.client";

/**
 * "Sell" for one ticket held in the fan's own wallet: reads the resale terms (cap, royalty, platform fee,
 * approval) from /resale/quote, asks once for the marketplace approval (setApprovalForAll), then has the
 * wallet sign an EIP-712 order (no gas) and posts it to /resale/listings. With `listingId`, offers to cancel
 * the open listing instead (Marketplace.cancel from the seller's wallet). Loaded on demand (React.lazy).
 */

export interface SellTicketProps {
  contract: Address;
  tokenId: string;
  chainId: number;
  coin: string;
  /** the open listing of this ticket, if any: the dialog then offers to cancel it */
  listingId: string | null;
  /** sell to the event's face-value waitlist: the price is the face value, not a choice */
  waitlist?: boolean;
  onDone(message: string): void;
}

interface Quote {
  owner: Address;
  marketplace: Address;
  capWei: string | null;
  faceValueWei: string;
  royaltyBps: number;
  feeBps: number;
  approved: boolean;
  nonce: string;
  latestExpiry: number;
}

const button =
  "inline-flex items-center justify-center rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-not-allowed disabled:opacity-60";
const secondary =
  "inline-flex items-center justify-center rounded-lg border border-brand-700 px-4 py-2.5 text-sm font-semibold text-brand-700 hover:bg-brand-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60";

function message(error: unknown): string {
  const e = error as BaseError;
  if (/rejected|denied/i.test(e?.message ?? "")) return "You declined in your wallet. Nothing was changed.";
  return e?.shortMessage ?? e?.message ?? "Something went wrong.";
}

function toWei(text: string): bigint | null {
  if (!/^\d{1,12}(\.\d{1,18})?$/.test(text.trim())) return null;
  return parseEther(text.trim());
}

function Sell(props: SellTicketProps) {
  const { contract, tokenId, chainId, coin } = props;
  const { isConnected, address, chainId: walletChainId } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { switchChain } = useSwitchChain();
  const client = usePublicClient({ chainId });
  const write = useWriteContract();
  const signer = useSignTypedData();
  const [quote, setQuote] = useState<Quote | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [price, setPrice] = useState("");

  const load = useCallback(async () => {
    const response = await fetch(`/resale/quote?contract=${contract}&tokenId=${tokenId}`);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? "Could not read the resale terms.");
    setQuote(body as Quote);
    return body as Quote;
  }, [contract, tokenId]);

  useEffect(() => {
    load()
      .then((q) => setPrice((p) => p || formatEther(BigInt(q.faceValueWei))))
      .catch((e: Error) => setError(e.message));
  }, [load]);

  if (error && !quote) return <p role="alert" className="text-sm text-red-800">{error}</p>;
  if (!quote) return <p className="text-sm text-zinc-600" aria-busy="true">Reading the resale terms from the chain…</p>;

  const { royaltyBps, feeBps } = quote;
  const wei = props.waitlist ? BigInt(quote.faceValueWei) : toWei(price);
  const cap = quote.capWei ? BigInt(quote.capWei) : null;
  const aboveCap = wei !== null && cap !== null && wei > cap;
  const royalty = wei !== null ? (wei * BigInt(royaltyBps)) / 10_000n : 0n;
  const fee = wei !== null ? (wei * BigInt(feeBps)) / 10_000n : 0n;
  const rightWallet = address && isAddressEqual(address, quote.owner);

  async function run(label: string, step: () => Promise<void>) {
    setBusy(label);
    setError(null);
    try {
      await step();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(null);
    }
  }

  const approve = () =>
    run("Approving…", async () => {
      const hash = await write.writeContractAsync({ address: contract, abi: concertTicketAbi, functionName: "setApprovalForAll", args: [quote.marketplace, true], chainId });
      const receipt = await client!.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("The approval was reverted on chain.");
      await load();
    });

  const list = () =>
    run("Waiting for your signature…", async () => {
      if (wei === null || aboveCap) return;
      const fresh = await load();
      const order: Order = {
        seller: address!,
        token: contract,
        tokenId: BigInt(tokenId),
        amount: 1n,
        price: wei,
        currency: NATIVE_CURRENCY,
        expiry: BigInt(fresh.latestExpiry),
        nonce: BigInt(fresh.nonce),
        salt: randomSalt(),
      };
      const signature = await signer.signTypedDataAsync(orderTypedData(order, chainId, fresh.marketplace));
      setBusy("Publishing your listing…");
      const wire = Object.fromEntries(Object.entries(order).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));
      const response = await fetch("/resale/listings", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ order: wire, signature, ...(props.waitlist ? { waitlist: true } : {}) }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ?? "The listing was refused.");
      props.onDone(
        props.waitlist
          ? `Ticket #${tokenId} is held for the waitlist at ${formatWei(wei, coin)}. The first fan in line has ${WAITLIST_OFFER_MINUTES} minutes to buy it.`
          : `Ticket #${tokenId} is listed for ${formatWei(wei, coin)}.`,
      );
    });

  const cancel = () =>
    run("Cancelling…", async () => {
      const response = await fetch(`/resale/listings/${props.listingId}`);
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ?? "This listing is no longer open.");
      const o = body.order as Record<string, string>;
      const order = { ...o, tokenId: BigInt(o.tokenId!), amount: BigInt(o.amount!), price: BigInt(o.price!), expiry: BigInt(o.expiry!), nonce: BigInt(o.nonce!), salt: BigInt(o.salt!) } as unknown as Order;
      const hash = await write.writeContractAsync({ address: body.marketplace, abi: marketplaceAbi, functionName: "cancel", args: [order], chainId });
      const receipt = await client!.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("The cancellation was reverted on chain.");
      await fetch(`/resale/listings/${props.listingId}`, { method: "POST" });
      props.onDone(`The listing of ticket #${tokenId} is cancelled.`);
    });

  return (
    <div className="space-y-4 text-sm">
      <dl className="grid grid-cols-[1fr_auto] gap-x-4 gap-y-1 rounded-lg bg-zinc-50 p-3">
        <dt className="text-zinc-600">Face value</dt>
        <dd className="text-right font-medium">{formatWei(quote.faceValueWei, coin)}</dd>
        <dt className="text-zinc-600">Promoter's resale cap</dt>
        <dd className="text-right font-medium" data-testid="resale-cap">{cap === null ? "No cap" : formatWei(cap, coin)}</dd>
      </dl>

      {props.listingId ? (
        <p>This ticket is listed. Cancelling takes a small transaction from your wallet (network fee).</p>
      ) : props.waitlist ? (
        <>
          <p>
            The first fan on this event's waitlist gets your ticket at its face value — no more, no less. It is not shown in the public resale
            list.
          </p>
          <dl className="grid grid-cols-[1fr_auto] gap-x-4 gap-y-1" data-testid="resale-breakdown">
            <dt className="text-zinc-600">Price (face value)</dt>
            <dd className="text-right">{formatWei(wei!, coin)}</dd>
            <dt className="text-zinc-600">Royalty to the promoter ({royaltyBps / 100} %)</dt>
            <dd className="text-right">− {formatWei(royalty, coin)}</dd>
            <dt className="text-zinc-600">TicketChain fee ({feeBps / 100} %)</dt>
            <dd className="text-right">− {formatWei(fee, coin)}</dd>
            <dt className="font-semibold">You receive</dt>
            <dd className="text-right font-semibold">{formatWei(wei! - royalty - fee, coin)}</dd>
          </dl>
          <p className="text-xs text-zinc-500">Free: your wallet signs an offer, no transaction. Proceeds are credited to you in the platform's escrow when the fan buys.</p>
        </>
      ) : (
        <>
          <label className="block font-medium text-zinc-800">
            Your price ({coin})
            <input
              name="price"
              inputMode="decimal"
              className="mt-1 block w-full rounded-lg border border-zinc-300 px-3 py-2 text-base focus-visible:outline-2 focus-visible:outline-brand-600"
              value={price}
              onChange={(e) => setPrice(e.target.value)}
              aria-invalid={wei === null || aboveCap}
              aria-describedby="price-help"
            />
          </label>
          <p id="price-help" className={aboveCap || wei === null ? "text-red-800" : "text-zinc-600"}>
            {wei === null ? `Enter a price in ${coin}, for example 1.5.` : aboveCap ? `The promoter caps resale at ${formatWei(cap!, coin)}.` : "Buyers pay exactly this price."}
          </p>
          {wei !== null ? (
            <dl className="grid grid-cols-[1fr_auto] gap-x-4 gap-y-1" data-testid="resale-breakdown">
              <dt className="text-zinc-600">Royalty to the promoter ({royaltyBps / 100} %)</dt>
              <dd className="text-right">− {formatWei(royalty, coin)}</dd>
              <dt className="text-zinc-600">TicketChain fee ({feeBps / 100} %)</dt>
              <dd className="text-right">− {formatWei(fee, coin)}</dd>
              <dt className="font-semibold">You receive</dt>
              <dd className="text-right font-semibold">{formatWei(wei - royalty - fee, coin)}</dd>
            </dl>
          ) : null}
          <p className="text-xs text-zinc-500">
            Listing is free: your wallet signs an offer, no transaction. Proceeds are credited to you in the platform's escrow when someone
            buys; the listing ends at the start of the show.
          </p>
        </>
      )}

      {!isConnected ? (
        <button type="button" className={button} onClick={() => openConnectModal?.()}>
          Connect wallet
        </button>
      ) : walletChainId !== chainId ? (
        <button type="button" className={button} onClick={() => switchChain({ chainId })}>
          Switch network
        </button>
      ) : !rightWallet ? (
        <p role="alert" className="text-amber-900">
          This ticket is in wallet {quote.owner.slice(0, 6)}…{quote.owner.slice(-4)}; switch to that account in your wallet.
        </p>
      ) : props.listingId ? (
        <button type="button" className={secondary} onClick={cancel} disabled={Boolean(busy)}>
          {busy ?? "Cancel listing"}
        </button>
      ) : !quote.approved ? (
        <div className="space-y-2 rounded-lg border border-brand-100 bg-brand-50 p-3">
          <p>
            <strong>One-time step:</strong> allow the TicketChain marketplace to transfer tickets of this event from your wallet when a buyer
            pays. It can only move a ticket through an offer you signed. This is a transaction (network fee).
          </p>
          <button type="button" className={button} onClick={approve} disabled={Boolean(busy)}>
            {busy ?? "Allow marketplace"}
          </button>
        </div>
      ) : (
        <button type="button" className={button} onClick={list} disabled={Boolean(busy) || wei === null || aboveCap}>
          {busy ?? (props.waitlist ? "Sign and sell to the waitlist" : "Sign and list")}
        </button>
      )}
      <div role="status" aria-live="polite">
        {error ? <p className="text-red-800">{error}</p> : null}
      </div>
    </div>
  );
}

export default function SellTicket(props: SellTicketProps) {
  return (
    <WalletProviders>
      <Sell {...props} />
    </WalletProviders>
  );
}
