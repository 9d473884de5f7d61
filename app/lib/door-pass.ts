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
import { isHex, keccak256, recoverAddress, stringToBytes, type Address, type Hex } from "viem";

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
/** 20 bytes in hex, any casing (a pass carries addresses lowercased; the checksum is not required). */
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * The EIP-55 checksummed form of a valid address text (ADDRESS), as viem's getAddress gives it, without
 * viem's caches: at the door every scan has a new holder, and those least-recently-used maps (of viem's
 * isAddress and getAddress) store each call's key string in a long-lived map, even on a hit, which the
 * young-generation collector then copies and promotes, three to four times a scan. Here the lowercase hex
 * is hashed from one reused buffer (`hash`: keccak-256, viem's by default; the server passes a native
 * one) and the answer is the only string made. app/lib/door-pass.test.ts checks it against viem.
 */
export function checksumAddress(text: string, hash: (bytes: Uint8Array) => Uint8Array = keccak): Address {
  for (let i = 0; i < 40; i++) {
    const code = text.charCodeAt(i + 2);
    HEX[i] = code >= 0x41 && code <= 0x46 ? code + 0x20 : code; // A–F to a–f
  }
  const digest = hash(HEX);
  for (let i = 0; i < 40; i++) {
    const nibble = i % 2 === 0 ? digest[i >> 1]! >> 4 : digest[i >> 1]! & 0x0f;
    // a letter (a–f) is upper-cased where the hash's nibble is 8 or more
    CHECKSUMMED[i + 2] = nibble >= 8 && HEX[i]! >= 0x61 ? HEX[i]! - 0x20 : HEX[i]!;
  }
  return String.fromCharCode.apply(null, CHECKSUMMED as unknown as number[]) as Address;
}
/** checksumAddress's buffers: it is synchronous, so one pair serves every call. */
const HEX = new Uint8Array(40);
const CHECKSUMMED = new Uint8Array(42).fill(0x30, 0, 1).fill(0x78, 1, 2); // "0x" then the address

/** The contract a door scans is the same all evening: its checksummed form is kept (one entry). */
let lastTicket = { text: "", address: "0x" as Address };
function ticketAddress(text: string, hash: (bytes: Uint8Array) => Uint8Array): Address {
  if (text !== lastTicket.text) lastTicket = { text, address: checksumAddress(text, hash) };
  return lastTicket.address;
}

/** Parses the QR text; never throws. `hash` is keccak-256 for the addresses' checksums (see checksumAddress). */
export function decodeDoorPass(text: string, hash: (bytes: Uint8Array) => Uint8Array = keccak): DecodedPass {
  if (typeof text !== "string" || text.length > 400) return { ok: false, reason: "Not a TicketChain pass" };
  const parts = text.trim().split(":");
  if (parts.length !== 7 || parts[0] !== PREFIX) return { ok: false, reason: "Not a TicketChain pass" };
  const [, chainId, ticket, tokenId, holder, window, signature] = parts as [string, string, string, string, string, string, string];
  if (!/^[1-9][0-9]{0,15}$/.test(chainId)) return { ok: false, reason: "Malformed pass (chain)" };
  if (!ADDRESS.test(ticket) || !ADDRESS.test(holder)) return { ok: false, reason: "Malformed pass (address)" };
  if (!DECIMAL.test(tokenId) || !DECIMAL.test(window) || window.length > 19) return { ok: false, reason: "Malformed pass (number)" };
  if (!isHex(signature) || signature.length !== 132) return { ok: false, reason: "Malformed pass (signature)" };
  return {
    ok: true,
    pass: { chainId: Number(chainId), ticket: ticketAddress(ticket, hash), tokenId: BigInt(tokenId), holder: checksumAddress(holder, hash), window: BigInt(window) },
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

// ---------------------------------------------------------------------------------------------------
// The EIP-712 digest, by hand: the type hash and each chain's domain separator are computed once, so a
// verification hashes two short buffers (the struct, then 0x1901 ‖ domain ‖ struct) instead of walking
// the typed data. app/lib/door-pass.test.ts checks it against viem's hashTypedData / recoverTypedDataAddress.
// ---------------------------------------------------------------------------------------------------

const DOOR_PASS_DOMAIN = { name: "TicketChain Door Pass", version: "1" } as const;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;
const keccak = (bytes: Uint8Array) => keccak256(bytes, "bytes");
const DOMAIN_TYPE_HASH = keccak(stringToBytes("EIP712Domain(string name,string version,uint256 chainId)"));
const DOOR_PASS_TYPE_HASH = keccak(stringToBytes("DoorPass(address ticket,uint256 tokenId,address holder,uint64 window)"));
const NAME_HASH = keccak(stringToBytes(DOOR_PASS_DOMAIN.name));
const VERSION_HASH = keccak(stringToBytes(DOOR_PASS_DOMAIN.version));
const domainSeparators = new Map<number, Uint8Array>();

/** Hex digit values by character code (-1: not a hex digit). */
const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_DIGIT["0123456789abcdef".charCodeAt(i)] = i;
  HEX_DIGIT["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** The bytes of `hex` (hex digits only, the caller checked them) right-aligned in out[offset, offset + size). */
function writeHex(out: Uint8Array, offset: number, size: number, hex: string, from = 0) {
  out.fill(0, offset, offset + size);
  let at = offset + size - 1;
  let i = hex.length;
  for (; i - 2 >= from; i -= 2, at--) out[at] = (HEX_DIGIT[hex.charCodeAt(i - 2)]! << 4) | HEX_DIGIT[hex.charCodeAt(i - 1)]!;
  if (i - 1 >= from) out[at] = HEX_DIGIT[hex.charCodeAt(i - 1)]!; // an odd number of digits: the first stands alone
}

/** A uint256 word (the caller checked 0 ≤ value < 2^256): its hex digits from the engine, then bytes. */
function writeUint256(out: Uint8Array, offset: number, value: bigint) {
  writeHex(out, offset, 32, value.toString(16));
}

/** An address word: 12 zero bytes, then the 20 address bytes (the caller checked the 40 hex digits). */
function writeAddress(out: Uint8Array, offset: number, address: string) {
  writeHex(out, offset, 32, address, 2);
}

/** keccak256(abi.encode(EIP712Domain typehash, name, version, chainId)), once per chain. */
function domainSeparator(chainId: number): Uint8Array {
  let found = domainSeparators.get(chainId);
  if (!found) {
    const buffer = new Uint8Array(128);
    buffer.set(DOMAIN_TYPE_HASH, 0);
    buffer.set(NAME_HASH, 32);
    buffer.set(VERSION_HASH, 64);
    writeUint256(buffer, 96, BigInt(chainId));
    found = keccak(buffer);
    if (domainSeparators.size >= 64) domainSeparators.clear(); // a scanner sees one or two chains; stay bounded
    domainSeparators.set(chainId, found);
  }
  return found;
}

/**
 * The EIP-712 digest a holder signs for `pass` (what viem's hashTypedData(doorPassTypedData(pass)) gives),
 * or null for values the types cannot hold (tokenId beyond uint256, window beyond uint64, a bad address,
 * a chain id that is not a positive safe integer), which viem refuses to hash as well. `hash` is keccak-256
 * (viem's, in JavaScript, by default; the server passes a native one).
 */
export function doorPassDigest(pass: DoorPass, hash: (bytes: Uint8Array) => Uint8Array = keccak): Uint8Array | null {
  if (!Number.isSafeInteger(pass.chainId) || pass.chainId <= 0) return null;
  if (!ADDRESS.test(pass.ticket) || !ADDRESS.test(pass.holder)) return null;
  if (pass.tokenId < 0n || pass.tokenId > MAX_UINT256 || pass.window < 0n || pass.window > MAX_UINT64) return null;
  const struct = new Uint8Array(160);
  struct.set(DOOR_PASS_TYPE_HASH, 0);
  writeAddress(struct, 32, pass.ticket);
  writeUint256(struct, 64, pass.tokenId);
  writeAddress(struct, 96, pass.holder);
  writeUint256(struct, 128, pass.window);
  const message = new Uint8Array(66);
  message[0] = 0x19;
  message[1] = 0x01;
  message.set(domainSeparator(pass.chainId), 2);
  message.set(hash(struct), 34);
  return hash(message);
}

/**
 * The recovery id of a 65-byte signature's last byte as viem reads it (0/1, or 27/28), or null.
 * Exported for the server's native verifier (app/services/door-signature.server.ts).
 */
export function recoveryBit(signature: Hex): 0 | 1 | null {
  const v = parseInt(signature.slice(130, 132), 16);
  if (v === 0 || v === 27) return 0;
  if (v === 1 || v === 28) return 1;
  return null;
}

/**
 * True when `signature` over `pass` was made by `pass.holder` (addresses as decodeDoorPass gives them).
 * Isomorphic (the offline scanner page runs it): secp256k1 recovery by viem (@noble/curves). The server
 * uses the native libsecp256k1 path of door-signature.server.ts, which gives the same answers.
 */
export async function isSignedByHolder(pass: DoorPass, signature: Hex): Promise<boolean> {
  try {
    const digest = doorPassDigest(pass);
    if (!digest || !isHex(signature) || signature.length !== 132 || recoveryBit(signature) === null) return false;
    const signer = await recoverAddress({ hash: digest, signature });
    return signer.toLowerCase() === pass.holder.toLowerCase();
  } catch {
    return false;
  }
}
