/**
 * Door passes: the QR a fan shows at the venue (SafeTix-style). A pass names the ticket, its holder and
 * a 30-second time window, and is signed by the holder's key (EIP-712: the embedded wallet on the server,
 * or the fan's own wallet in the browser). The QR rotates every window, so a screenshot expires; a ticket
 * transferred after the pass was made fails because the signer is no longer the owner.
 *
 * Pure and isomorphic: the scanner page verifies signatures locally (offline) with the same code the
 * server uses. No chain or database access here: ownership and check-in state are the caller's job.
 *
 * Text form (QR byte mode): TC1:<chainId>:<ticket contract>:<tokenId>:<holder>:<window>:<signature>
 */
import { getAddress, isAddress, isHex, recoverTypedDataAddress, type Address, type Hex } from "viem";

export const PASS_WINDOW_SECONDS = 30;
/** Windows accepted before the current one (clock skew between phone and scanner, time to walk up). */
export const PASS_GRACE_WINDOWS = 1;
const PREFIX = "TC1";

export interface DoorPass {
  chainId: number;
  ticket: Address;
  tokenId: bigint;
  holder: Address;
  /** floor(unix seconds / 30) */
  window: bigint;
}

export const DOOR_PASS_TYPES = {
  DoorPass: [
    { name: "ticket", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "holder", type: "address" },
    { name: "window", type: "uint64" },
  ],
} as const;

export function passWindow(nowMs: number = Date.now()): bigint {
  return BigInt(Math.floor(nowMs / 1000 / PASS_WINDOW_SECONDS));
}

/** When the pass made in `window` stops being accepted (ms since epoch). */
export function passExpiresAt(window: bigint): number {
  return Number(window + 1n + BigInt(PASS_GRACE_WINDOWS)) * PASS_WINDOW_SECONDS * 1000;
}

/** EIP-712 payload for viem's signTypedData / verifyTypedData. */
export function doorPassTypedData(pass: DoorPass) {
  return {
    domain: { name: "TicketChain Door Pass", version: "1", chainId: pass.chainId },
    types: DOOR_PASS_TYPES,
    primaryType: "DoorPass" as const,
    message: { ticket: pass.ticket, tokenId: pass.tokenId, holder: pass.holder, window: pass.window },
  };
}

export function encodeDoorPass(pass: DoorPass, signature: Hex): string {
  return [PREFIX, pass.chainId, pass.ticket.toLowerCase(), pass.tokenId.toString(), pass.holder.toLowerCase(), pass.window.toString(), signature].join(":");
}

export type DecodedPass = { ok: true; pass: DoorPass; signature: Hex } | { ok: false; reason: string };

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

/** Parses the QR text; never throws. */
export function decodeDoorPass(text: string): DecodedPass {
  if (typeof text !== "string" || text.length > 400) return { ok: false, reason: "Not a TicketChain pass" };
  const parts = text.trim().split(":");
  if (parts.length !== 7 || parts[0] !== PREFIX) return { ok: false, reason: "Not a TicketChain pass" };
  const [, chainId, ticket, tokenId, holder, window, signature] = parts as [string, string, string, string, string, string, string];
  if (!/^[1-9][0-9]{0,15}$/.test(chainId)) return { ok: false, reason: "Malformed pass (chain)" };
  if (!isAddress(ticket, { strict: false }) || !isAddress(holder, { strict: false })) return { ok: false, reason: "Malformed pass (address)" };
  if (!DECIMAL.test(tokenId) || !DECIMAL.test(window) || window.length > 19) return { ok: false, reason: "Malformed pass (number)" };
  if (!isHex(signature) || signature.length !== 132) return { ok: false, reason: "Malformed pass (signature)" };
  return {
    ok: true,
    pass: { chainId: Number(chainId), ticket: getAddress(ticket), tokenId: BigInt(tokenId), holder: getAddress(holder), window: BigInt(window) },
    signature: signature as Hex,
  };
}

export type PassTimeCheck = { ok: true } | { ok: false; reason: string };

/** Accepts the current window and PASS_GRACE_WINDOWS before it (and one ahead, for clock skew). */
export function checkPassTime(pass: DoorPass, nowMs: number = Date.now()): PassTimeCheck {
  const current = passWindow(nowMs);
  if (pass.window > current + 1n) return { ok: false, reason: "Pass is from the future: check the phone's clock" };
  if (pass.window < current - BigInt(PASS_GRACE_WINDOWS)) return { ok: false, reason: "Pass expired: ask the fan to show the live QR" };
  return { ok: true };
}

/** True when `signature` over `pass` was made by `pass.holder`. */
export async function isSignedByHolder(pass: DoorPass, signature: Hex): Promise<boolean> {
  try {
    const signer = await recoverTypedDataAddress({ ...doorPassTypedData(pass), signature });
    return signer === pass.holder;
  } catch {
    return false;
  }
}
