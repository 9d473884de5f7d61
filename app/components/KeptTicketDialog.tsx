import { Dialog, DialogPanel, DialogTitle } from "@headlessui/react";
import { useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { parseEther } from "viem";
import { formatWei } from "~/lib/format";
import { WAITLIST_OFFER_MINUTES } from "~/lib/waitlist";

/**
 * Sell, cancel or transfer a ticket TicketChain keeps for the fan (no wallet needed): the fan confirms here,
 * the server signs with the kept wallet and relays (POST /tickets/kept); each step's answer is shown.
 */
export interface KeptTicket {
  contractAddress: string;
  tokenId: string;
  eventName: string | null;
  tierName: string | null;
}

interface Quote {
  capWei: string | null;
  faceValueWei: string;
  royaltyBps: number;
  feeBps: number;
  approved: boolean;
}

function parsePrice(text: string): bigint | null {
  if (!/^\d{1,12}(\.\d{1,18})?$/.test(text.trim())) return null;
  const wei = parseEther(text.trim());
  return wei > 0n ? wei : null;
}

export function KeptTicketDialog({
  ticket,
  mode,
  listing,
  coin,
  onClose,
}: {
  ticket: KeptTicket;
  mode: "sell" | "transfer" | "waitlist";
  listing: { id: string; priceWei: string; waitlist?: boolean } | null;
  coin: string;
  onClose: () => void;
}) {
  const revalidator = useRevalidator();
  const [opened] = useState(listing);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [price, setPrice] = useState("");
  const [to, setTo] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  useEffect(() => {
    if (mode === "transfer" || opened) return;
    void fetch(`/resale/quote?contract=${ticket.contractAddress}&tokenId=${ticket.tokenId}`, { headers: { accept: "application/json" } })
      .then(async (r) => {
        const body = (await r.json()) as Quote & { error?: string };
        if (!r.ok) setError(body.error ?? "The ticket's resale terms cannot be read right now.");
        else setQuote(body);
      })
      .catch(() => setError("The ticket's resale terms cannot be read right now."));
  }, [mode, opened, ticket.contractAddress, ticket.tokenId]);

  async function post(body: Record<string, string>, working: string, success: (answer: Record<string, string>) => string) {
    setBusy(working);
    setError(null);
    try {
      const response = await fetch("/tickets/kept", { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body) });
      const answer = (await response.json()) as Record<string, string>;
      if (!response.ok) setError(answer.error ?? "That did not work; nothing changed.");
      else {
        setDone(success(answer));
        revalidator.revalidate();
      }
    } catch {
      setError("The network failed; nothing changed. Try again.");
    } finally {
      setBusy(null);
    }
  }

  // The waitlist sells at face value: there is no price to choose.
  const wei = mode === "waitlist" ? (quote ? BigInt(quote.faceValueWei) : null) : parsePrice(price);
  const aboveCap = wei !== null && quote?.capWei != null && wei > BigInt(quote.capWei);
  const royalty = wei !== null && quote ? (wei * BigInt(quote.royaltyBps)) / 10_000n : null;
  const fee = wei !== null && quote ? (wei * BigInt(quote.feeBps)) / 10_000n : null;
  const button = "w-full rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white hover:bg-brand-600 disabled:opacity-50";
  const title = mode === "transfer" ? "Transfer to a friend" : opened ? "Your listing" : mode === "waitlist" ? "Sell to the waitlist" : "Sell";

  return (
    <Dialog open onClose={onClose} className="relative z-50">
      <div className="fixed inset-0 bg-zinc-900/40" aria-hidden="true" />
      <div className="fixed inset-0 flex items-end justify-center overflow-y-auto p-4 sm:items-center">
        <DialogPanel className="w-full max-w-md rounded-2xl bg-white p-6 shadow-xl">
          <DialogTitle className="text-lg font-semibold">
            {title} · ticket #{ticket.tokenId}
          </DialogTitle>
          <p className="mt-1 text-sm text-zinc-600">
            {ticket.eventName ?? "Ticket"} · {ticket.tierName ?? "Ticket"} · kept by TicketChain
          </p>
          <div className="mt-4 space-y-3 text-sm">
            {done ? (
              <div role="status" className="space-y-3">
                <p className="rounded-lg bg-emerald-50 p-3 text-emerald-900">✓ {done}</p>
                <button type="button" onClick={onClose} className={button}>
                  Done
                </button>
              </div>
            ) : mode === "transfer" ? (
              <form
                className="space-y-3"
                onSubmit={(e) => {
                  e.preventDefault();
                  void post({ intent: "transfer", contract: ticket.contractAddress, tokenId: ticket.tokenId, to }, "Sending…", (a) => a.message!);
                }}
              >
                <p className="text-zinc-700">
                  Send the ticket to a friend's wallet, or to their email: TicketChain keeps it for them and they see it under My tickets
                  after signing in with that email. Free for you; it cannot be undone.
                </p>
                <label className="block font-medium">
                  Friend's wallet address or email
                  <input value={to} onChange={(e) => setTo(e.target.value)} required maxLength={254} className="mt-1 block w-full rounded-md border border-zinc-300 px-3 py-2 text-base" />
                </label>
                <button type="submit" className={button} disabled={Boolean(busy)}>
                  {busy ?? "Send ticket"}
                </button>
              </form>
            ) : opened ? (
              <div className="space-y-3">
                <p>
                  {opened.waitlist ? "Held for the waitlist at face value" : "Listed for resale at"} {formatWei(opened.priceWei, coin)}. Cancelling withdraws the offer
                  on chain (free for you).
                </p>
                <button
                  type="button"
                  className={button}
                  disabled={Boolean(busy)}
                  onClick={() => void post({ intent: "cancel", listingId: opened.id }, "Cancelling…", () => `The listing of ticket #${ticket.tokenId} is cancelled.`)}
                >
                  {busy ?? "Cancel listing"}
                </button>
              </div>
            ) : mode === "waitlist" ? (
              <form
                className="space-y-3"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (wei === null) return;
                  void post(
                    { intent: "waitlist", contract: ticket.contractAddress, tokenId: ticket.tokenId },
                    "Selling to the waitlist…",
                    () => `Ticket #${ticket.tokenId} is held for the waitlist at ${formatWei(wei, coin)}. The first fan in line has ${WAITLIST_OFFER_MINUTES} minutes to buy it.`,
                  );
                }}
              >
                {quote && wei !== null && royalty !== null && fee !== null ? (
                  <>
                    <p className="text-zinc-700">
                      The first fan on this event's waitlist gets your ticket at its face value, <strong>{formatWei(wei, coin)}</strong> — no more, no less. It is not
                      shown in the public resale list. TicketChain signs the offer with the wallet it keeps for you; you pay no network fee.
                    </p>
                    <p className="text-zinc-700" data-testid="kept-breakdown">
                      You receive {formatWei(wei - royalty - fee, coin)} (royalty {formatWei(royalty, coin)}, TicketChain fee {formatWei(fee, coin)}) when they buy it.
                    </p>
                  </>
                ) : (
                  <p aria-busy="true">Reading the ticket's face value…</p>
                )}
                <button type="submit" className={button} disabled={Boolean(busy) || !quote}>
                  {busy ?? (wei !== null ? `Sell to the waitlist for ${formatWei(wei, coin)}` : "Sell to the waitlist")}
                </button>
              </form>
            ) : (
              <form
                className="space-y-3"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (wei === null) return;
                  void post(
                    { intent: "list", contract: ticket.contractAddress, tokenId: ticket.tokenId, priceWei: wei.toString() },
                    "Listing…",
                    () => `Ticket #${ticket.tokenId} is listed for ${formatWei(wei, coin)}.`,
                  );
                }}
              >
                {quote ? (
                  <p className="text-zinc-700">
                    Face value {formatWei(quote.faceValueWei, coin)}
                    {quote.capWei ? (
                      <>
                        {" "}
                        · resale cap <span data-testid="kept-resale-cap">{formatWei(quote.capWei, coin)}</span>
                      </>
                    ) : " · no resale cap"}
                    . TicketChain signs the offer with the wallet it keeps for you
                    {quote.approved ? "" : " (and, this first time, allows the marketplace to move tickets of this event, only through offers signed for you)"}
                    ; you pay no network fee.
                  </p>
                ) : (
                  <p aria-busy="true">Reading the ticket's resale terms…</p>
                )}
                <label className="block font-medium">
                  Your price ({coin})
                  <input value={price} onChange={(e) => setPrice(e.target.value)} inputMode="decimal" required className="mt-1 block w-full rounded-md border border-zinc-300 px-3 py-2 text-base" />
                </label>
                {aboveCap && quote?.capWei ? <p className="text-red-800">The promoter caps resale at {formatWei(quote.capWei, coin)}.</p> : null}
                {wei !== null && royalty !== null && fee !== null && !aboveCap ? (
                  <p className="text-zinc-700" data-testid="kept-breakdown">
                    You receive {formatWei(wei - royalty - fee, coin)} (royalty {formatWei(royalty, coin)}, TicketChain fee {formatWei(fee, coin)}).
                  </p>
                ) : null}
                <button type="submit" className={button} disabled={Boolean(busy) || !quote || wei === null || aboveCap}>
                  {busy ?? (wei !== null ? `List for ${formatWei(wei, coin)}` : "List")}
                </button>
              </form>
            )}
            <div role="alert">{error ? <p className="text-red-800">{error}</p> : null}</div>
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
