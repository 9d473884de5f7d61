import { createCipheriv, createDecipheriv, createECDH, randomBytes } from "node:crypto";
import { eq, ne, sql } from "drizzle-orm";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { getAddress, keccak256, type Address, type Hex } from "viem";
import type { Db } from "../../db/client.server";
import { embeddedWallets, users } from "../../db/schema";
import { secrets, type Kek } from "./secrets.server";

/**
 * Embedded wallets: key pairs the server generates and keeps for card buyers until they claim their
 * tickets to a wallet of their own. Envelope encryption with AES-256-GCM:
 *   private key --(data key, AAD = address)--> sealedKey
 *   data key    --(KEK keys[0], AAD = kekId:address)--> wrappedDataKey
 * The AAD binds each ciphertext to its wallet, so rows cannot be swapped. Rotating the KEK
 * (`npm run wallets:rotate` after putting the new key first in WALLET_KEYS) re-wraps data keys only.
 * Private keys are decrypted only inside `embeddedAccount` to sign; they are never logged or returned.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class WalletKeyError extends Error {
  override name = "WalletKeyError";
}

export function seal(plaintext: Buffer, key: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
}

export function unseal(sealed: string, key: Buffer, aad: string): Buffer {
  const raw = Buffer.from(sealed, "base64");
  if (raw.length < IV_BYTES + TAG_BYTES + 1) throw new WalletKeyError("sealed value too short");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new WalletKeyError("cannot decrypt: wrong key or tampered data");
  }
}

function kekById(keks: Kek[], id: string): Kek {
  const kek = keks.find((k) => k.id === id);
  if (!kek) throw new WalletKeyError(`key-encryption key "${id}" is not in WALLET_KEYS (keep old keys listed until \`npm run wallets:rotate\` has run)`);
  return kek;
}

/**
 * The address of a private key: the public key from OpenSSL's secp256k1 (node:crypto, native; a sale's
 * thousands of new wallets made viem's pure-JS derivation 0.9 ms of each card order), then
 * keccak256(x ‖ y)[12:]. The same address as viem's privateKeyToAccount (tested on random keys).
 */
export function addressOfPrivateKey(privateKey: Hex): Address {
  const ecdh = createECDH("secp256k1");
  ecdh.setPrivateKey(Buffer.from(privateKey.slice(2), "hex"));
  const publicKey = ecdh.getPublicKey(); // 0x04 ‖ x ‖ y
  return getAddress(`0x${keccak256(publicKey.subarray(1), "hex").slice(-40)}`);
}

/** Seals a fresh key pair for `address` under the newest KEK (exported for rotation tests). */
export function sealWallet(privateKey: Hex, keks: Kek[] = secrets().keks) {
  const address = addressOfPrivateKey(privateKey);
  const dataKey = randomBytes(32);
  const kek = keks[0]!;
  return {
    address,
    sealedKey: seal(Buffer.from(privateKey.slice(2), "hex"), dataKey, address.toLowerCase()),
    wrappedDataKey: seal(dataKey, kek.key, `${kek.id}:${address.toLowerCase()}`),
    kekId: kek.id,
  };
}

/** Returns the user's embedded wallet address, creating the wallet on first use (race-safe). */
export async function ensureEmbeddedWallet(db: Db, userId: string): Promise<Address> {
  const existing = await db.select({ address: embeddedWallets.address }).from(embeddedWallets).where(eq(embeddedWallets.userId, userId));
  if (existing[0]) return getAddress(existing[0].address);
  const sealed = sealWallet(generatePrivateKey());
  const [created] = await db
    .insert(embeddedWallets)
    .values({ userId, ...sealed })
    .onConflictDoNothing()
    .returning({ address: embeddedWallets.address });
  if (created) return getAddress(created.address);
  // Another request created it first: theirs is the one.
  const [row] = await db.select({ address: embeddedWallets.address }).from(embeddedWallets).where(eq(embeddedWallets.userId, userId));
  return getAddress(row!.address);
}

/** Finds or creates the account for `email` (case-insensitive), race-safe. */
export async function ensureUserByEmail(db: Db, email: string): Promise<{ userId: string }> {
  const normalized = email.trim().toLowerCase();
  const find = () => db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${normalized}`);
  const found = await find();
  if (found[0]) return { userId: found[0].id };
  const [created] = await db
    .insert(users)
    .values({ email: normalized, displayName: normalized.split("@")[0]! })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (created) return { userId: created.id };
  const [row] = await find();
  return { userId: row!.id };
}

/** A card buyer: the account for the email Stripe collected, with its embedded wallet. */
export async function ensureBuyer(db: Db, email: string): Promise<{ userId: string; address: Address }> {
  const { userId } = await ensureUserByEmail(db, email);
  return { userId, address: await ensureEmbeddedWallet(db, userId) };
}

/** The embedded wallet's address of a user, or null. */
export async function embeddedWalletAddress(db: Db, userId: string): Promise<Address | null> {
  const [row] = await db.select({ address: embeddedWallets.address }).from(embeddedWallets).where(eq(embeddedWallets.userId, userId));
  return row ? getAddress(row.address) : null;
}

/**
 * A viem account that signs with the user's embedded key (server side only: for relayed transfers,
 * claims and order signatures). Throws when the user has no embedded wallet.
 */
export async function embeddedAccount(db: Db, userId: string, keks: Kek[] = secrets().keks): Promise<PrivateKeyAccount> {
  const [row] = await db.select().from(embeddedWallets).where(eq(embeddedWallets.userId, userId));
  if (!row) throw new WalletKeyError("this account has no embedded wallet");
  const address = row.address.toLowerCase();
  const dataKey = unseal(row.wrappedDataKey, kekById(keks, row.kekId).key, `${row.kekId}:${address}`);
  const privateKey = unseal(row.sealedKey, dataKey, address);
  const account = privateKeyToAccount(`0x${privateKey.toString("hex")}`);
  privateKey.fill(0);
  dataKey.fill(0);
  if (account.address.toLowerCase() !== address) throw new WalletKeyError("embedded wallet does not match its address");
  return account;
}

/**
 * Re-wraps every data key that is not under the newest KEK. Idempotent; returns how many rows changed.
 * Run after putting the new key first in WALLET_KEYS (old keys stay listed until this has run).
 */
export async function rotateWalletKeys(db: Db, keks: Kek[] = secrets().keks): Promise<number> {
  const current = keks[0]!;
  const rows = await db.select().from(embeddedWallets).where(ne(embeddedWallets.kekId, current.id));
  let changed = 0;
  for (const row of rows) {
    const address = row.address.toLowerCase();
    const dataKey = unseal(row.wrappedDataKey, kekById(keks, row.kekId).key, `${row.kekId}:${address}`);
    const wrapped = seal(dataKey, current.key, `${current.id}:${address}`);
    dataKey.fill(0);
    const updated = await db
      .update(embeddedWallets)
      .set({ wrappedDataKey: wrapped, kekId: current.id })
      .where(sql`${embeddedWallets.id} = ${row.id} and ${embeddedWallets.kekId} = ${row.kekId}`)
      .returning({ id: embeddedWallets.id });
    changed += updated.length;
  }
  return changed;
}
