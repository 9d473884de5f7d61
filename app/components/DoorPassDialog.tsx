import { Dialog, DialogPanel, DialogTitle } from "@headlessui/react";
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import type { Address } from "viem";
import { passExpiresAt, PASS_WINDOW_SECONDS } from "~/lib/door-pass";
import { ticketKey } from "~/lib/tickets";

const WalletDoorPass = lazy(() => import("./WalletDoorPass.client"));

export interface PassTicket {
  contractAddress: string;
  tokenId: string;
  eventName: string | null;
  tierName: string | null;
  heldByPlatform: boolean;
}

/**
 * "Show ticket": the live door QR of one ticket. It encodes ticket, holder and a 30-second window signed
 * by the holder (the kept wallet on the server via GET /tickets/pass, or the fan's wallet in the browser)
 * and is replaced every window, so a screenshot stops working. The pass text is shown for manual entry.
 */
export function DoorPassDialog({ ticket, owner, chainId, onClose }: { ticket: PassTicket; owner: string | null; chainId: number; onClose(): void }) {
  const [pass, setPass] = useState<{ text: string; window: bigint } | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);

  const rotatesAt = pass ? Number(pass.window + 1n) * PASS_WINDOW_SECONDS * 1000 : null;

  // Kept by TicketChain: ask the server for this window's pass, again when the window turns.
  useEffect(() => {
    if (!ticket.heldByPlatform) return;
    let stopped = false;
    let timer: number | undefined;
    const load = async () => {
      try {
        const response = await fetch(`/tickets/pass?ticket=${encodeURIComponent(ticketKey(ticket.contractAddress, ticket.tokenId))}`, { headers: { Accept: "application/json" } });
        const body = (await response.json()) as { pass?: string; window?: string; rotatesAt?: number; error?: string };
        if (stopped) return;
        if (!response.ok || !body.pass) {
          setError(body.error ?? `The pass could not be made (${response.status}).`);
          timer = window.setTimeout(load, 10_000);
          return;
        }
        setError(null);
        setPass({ text: body.pass, window: BigInt(body.window!) });
        timer = window.setTimeout(load, Math.max(500, body.rotatesAt! - Date.now() + 300));
      } catch {
        if (!stopped) {
          setError("No connection: the code cannot refresh. Move to where there is signal.");
          timer = window.setTimeout(load, 5_000);
        }
      }
    };
    void load();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [ticket.heldByPlatform, ticket.contractAddress, ticket.tokenId]);

  useEffect(() => {
    if (!pass) return;
    let live = true;
    void import("qrcode").then((QR) =>
      QR.toDataURL(pass.text, { errorCorrectionLevel: "M", margin: 1, width: 320 }).then((url) => {
        if (live) setQr(url);
      }),
    );
    return () => {
      live = false;
    };
  }, [pass]);

  const onPass = useCallback((text: string, window: bigint) => setPass({ text, window }), []);
  const secondsLeft = rotatesAt ? Math.max(0, Math.ceil((rotatesAt - now) / 1000)) : null;
  const stale = pass ? now >= passExpiresAt(pass.window) : false;

  return (
    <Dialog open onClose={onClose} className="relative z-50">
      <div className="fixed inset-0 bg-zinc-900/50" aria-hidden="true" />
      <div className="fixed inset-0 flex items-end justify-center p-4 sm:items-center">
        <DialogPanel className="w-full max-w-sm rounded-2xl bg-white p-6 shadow-xl">
          <DialogTitle className="text-lg font-semibold">Ticket #{ticket.tokenId}</DialogTitle>
          <p className="text-sm text-zinc-600">
            {ticket.eventName}
            {ticket.tierName ? ` · ${ticket.tierName}` : ""}
          </p>
          <div className="mt-4 flex aspect-square items-center justify-center rounded-xl border border-zinc-200 bg-white">
            {qr && pass && !stale ? (
              <img src={qr} alt={`Door QR code of ticket #${ticket.tokenId}`} className="size-full rounded-xl" data-testid="pass-qr" />
            ) : (
              <p className="p-6 text-center text-sm text-zinc-500" aria-busy="true">
                {stale ? "Code expired — refreshing…" : "Making your live code…"}
              </p>
            )}
          </div>
          <p className="mt-3 text-center text-sm font-medium text-zinc-800" role="timer" aria-live="off">
            {secondsLeft !== null ? `New code in ${secondsLeft} s` : "\u00a0"}
          </p>
          <p className="mt-1 text-center text-xs text-zinc-500">The code changes every {PASS_WINDOW_SECONDS} seconds: a screenshot will not get you in.</p>
          {!ticket.heldByPlatform && owner ? (
            <div className="mt-4">
              <Suspense fallback={<p className="text-sm text-zinc-600">Loading your wallet…</p>}>
                <WalletDoorPass chainId={chainId} contract={ticket.contractAddress as Address} tokenId={ticket.tokenId} owner={owner as Address} onPass={onPass} onError={setError} />
              </Suspense>
            </div>
          ) : null}
          {error ? (
            <p role="alert" className="mt-3 rounded-lg bg-red-50 p-3 text-sm text-red-800">
              {error}
            </p>
          ) : null}
          {pass ? (
            <details className="mt-4 text-sm">
              <summary className="cursor-pointer font-medium text-zinc-700">Pass text for manual entry</summary>
              <code className="mt-2 block break-all rounded-lg bg-zinc-50 p-3 font-mono text-xs text-zinc-800" data-testid="pass-text">
                {pass.text}
              </code>
            </details>
          ) : null}
          <button type="button" onClick={onClose} className="mt-5 w-full rounded-lg border border-zinc-300 px-4 py-2.5 text-sm font-semibold hover:bg-zinc-50">
            Close
          </button>
        </DialogPanel>
      </div>
    </Dialog>
  );
}
