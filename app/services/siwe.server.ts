import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { getAddress, isHex, type Address, type Hex, type PublicClient } from "viem";
import { generateSiweNonce, parseSiweMessage, validateSiweMessage, type SiweMessage } from "viem/siwe";
import { CHAINS, env } from "~/env.server";
import type { Db } from "../../db/client.server";
import { siweNonces, users } from "../../db/schema";

/**
 * Sign-In with Ethereum (EIP-4361). The server issues single-use nonces (5 minutes); a signed message is
 * accepted once, for this site (domain and URI), on the configured chain, inside its validity window,
 * with a signature of the address it names (EOA, or a contract wallet through ERC-1271 / ERC-6492).
 */

export const NONCE_TTL_MS = 5 * 60 * 1000;
/** A message may be at most this old (issuedAt) even when its nonce is fresh, and not from the future. */
const CLOCK_SKEW_MS = 60 * 1000;

export class SiweError extends Error {
  override name = "SiweError";
  constructor(
    message: string,
    readonly status: 400 | 401,
  ) {
    super(message);
  }
}

/** The site's public origin: APP_URL when set, otherwise the request's own. */
export function appOrigin(request: Request): URL {
  const appUrl = env().APP_URL;
  return new URL(appUrl ?? new URL(request.url).origin);
}

/** A fresh nonce, stored for NONCE_TTL_MS. Old rows are pruned on the way. */
export async function issueNonce(db: Db): Promise<string> {
  const nonce = generateSiweNonce() + randomBytes(4).toString("hex");
  await db.insert(siweNonces).values({ nonce, expiresAt: new Date(Date.now() + NONCE_TTL_MS) });
  await db.delete(siweNonces).where(sql`${siweNonces.expiresAt} < now() - interval '1 day'`);
  return nonce;
}

export interface SiweExpectations {
  /** host (and port) the message must name, e.g. "tickets.example.com" or "localhost:3000" */
  host: string;
  chainId: number;
  client: PublicClient;
  now?: Date;
}

/**
 * Checks a signed SIWE message and consumes its nonce. Returns the signer's address; throws SiweError
 * (400 malformed, 401 refused) otherwise. The nonce is consumed last, with one atomic UPDATE, so a
 * replay or a race between two submissions signs in at most once.
 */
export async function verifySiwe(db: Db, input: { message: string; signature: string }, expect: SiweExpectations): Promise<Address> {
  if (!isHex(input.signature) || input.signature.length < 132) throw new SiweError("The signature is not a hex string.", 400);
  let parsed: Partial<SiweMessage>;
  try {
    parsed = parseSiweMessage(input.message);
  } catch {
    throw new SiweError("The message is not a Sign-In with Ethereum message.", 400);
  }
  if (!parsed.address || !parsed.domain || !parsed.nonce || !parsed.uri || !parsed.chainId || parsed.version !== "1") {
    throw new SiweError("The message is not a Sign-In with Ethereum message (EIP-4361, version 1).", 400);
  }
  const now = expect.now ?? new Date();
  if (parsed.domain !== expect.host) throw new SiweError(`The message is for ${parsed.domain}, not ${expect.host}.`, 401);
  let uriHost: string;
  try {
    uriHost = new URL(parsed.uri).host;
  } catch {
    throw new SiweError("The message's URI is not a URL.", 400);
  }
  if (uriHost !== expect.host) throw new SiweError(`The message's URI is not on ${expect.host}.`, 401);
  if (parsed.chainId !== expect.chainId) {
    const name = Object.values(CHAINS).find((c) => c.id === expect.chainId)?.name ?? `chain ${expect.chainId}`;
    throw new SiweError(`The message is for chain ${parsed.chainId}; sign in on ${name} (chain ${expect.chainId}).`, 401);
  }
  if (parsed.expirationTime && parsed.expirationTime.getTime() <= now.getTime()) throw new SiweError("The message has expired: sign in again.", 401);
  if (parsed.notBefore && parsed.notBefore.getTime() > now.getTime()) throw new SiweError("The message is not valid yet.", 401);
  if (parsed.issuedAt && parsed.issuedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new SiweError("The message is dated in the future.", 401);
  // Belt and braces: viem's own validation of the same fields.
  if (!validateSiweMessage({ message: parsed, domain: expect.host, time: now })) throw new SiweError("The message is not valid.", 401);

  const address = getAddress(parsed.address);
  // ERC-1271/6492-aware: an eth_call for contract wallets; viem falls back to ECDSA recovery for EOAs.
  // An RPC failure that leaves the signature unverifiable propagates (the route answers 503).
  const valid = await expect.client.verifyMessage({ address, message: input.message, signature: input.signature as Hex });
  if (!valid) throw new SiweError("The signature does not match the address in the message.", 401);

  const used = await db
    .update(siweNonces)
    .set({ usedAt: sql`now()` })
    .where(sql`${siweNonces.nonce} = ${parsed.nonce} and ${siweNonces.usedAt} is null and ${siweNonces.expiresAt} > now()`)
    .returning({ nonce: siweNonces.nonce });
  if (!used.length) throw new SiweError("This sign-in request was already used or has expired: sign in again.", 401);
  return address;
}

/** Finds or creates the account of a wallet address (case-insensitive), race-safe. */
export async function ensureUserByWallet(db: Db, address: Address): Promise<{ userId: string }> {
  const find = () => db.select({ id: users.id }).from(users).where(sql`lower(${users.walletAddress}) = ${address.toLowerCase()}`);
  const found = await find();
  if (found[0]) return { userId: found[0].id };
  await db
    .insert(users)
    .values({ walletAddress: getAddress(address), displayName: `${address.slice(0, 6)}…${address.slice(-4)}` })
    .onConflictDoNothing();
  const [row] = await find();
  return { userId: row!.id };
}
