import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { migrate, openDb, type DbHandle } from "../../db/client.server";
import { embeddedWallets } from "../../db/schema";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Kek } from "./secrets.server";
import {
  addressOfPrivateKey,
  embeddedAccount,
  ensureBuyer,
  ensureEmbeddedWallet,
  rotateWalletKeys,
  seal,
  unseal,
  WalletKeyError,
} from "./wallets.server";

const kek = (id: string): Kek => ({ id, key: randomBytes(32) });

describe("AES-256-GCM sealing", () => {
  const key = randomBytes(32);
  it("round-trips and binds the ciphertext to its associated data", () => {
    const sealed = seal(Buffer.from("secret"), key, "0xabc");
    expect(unseal(sealed, key, "0xabc").toString()).toBe("secret");
    expect(() => unseal(sealed, key, "0xdef")).toThrow(WalletKeyError);
    expect(() => unseal(sealed, randomBytes(32), "0xabc")).toThrow(WalletKeyError);
  });
  it("rejects a tampered ciphertext", () => {
    const raw = Buffer.from(seal(Buffer.from("secret"), key, "a"), "base64");
    raw[14] ^= 1;
    expect(() => unseal(raw.toString("base64"), key, "a")).toThrow(WalletKeyError);
  });
  it("uses a fresh IV each time", () => {
    expect(seal(Buffer.from("x"), key, "a")).not.toBe(seal(Buffer.from("x"), key, "a"));
  });
});

describe("wallet addresses", () => {
  it("derives the same address as viem for random and edge-case keys", () => {
    const keys: `0x${string}`[] = [
      ...Array.from({ length: 200 }, () => generatePrivateKey()),
      `0x${"00".repeat(31)}01`,
      "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", // n - 1
    ];
    for (const key of keys) expect(addressOfPrivateKey(key)).toBe(privateKeyToAccount(key).address);
  });
  it("refuses a key outside the curve's range", () => {
    expect(() => addressOfPrivateKey(`0x${"00".repeat(32)}`)).toThrow();
    expect(() => addressOfPrivateKey("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")).toThrow();
  });
});

describe.each(databaseBackends())("embedded wallets on %s", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  const first = kek("k1");
  const second = kek("k2");

  beforeAll(async () => {
    database = await create();
    handle = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const { setSecrets } = await import("./secrets.server");
    setSecrets({ keks: [first], sessionSecret: randomBytes(32) });
  });
  afterAll(async () => {
    const { setSecrets } = await import("./secrets.server");
    setSecrets(undefined);
    await handle?.close();
    await database?.drop();
  });

  it("creates one account and one wallet per email, even under concurrent calls", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ensureBuyer(handle.db, i % 2 ? "Fan@Example.com" : "fan@example.com")));
    expect(new Set(results.map((r) => r.userId)).size).toBe(1);
    expect(new Set(results.map((r) => r.address)).size).toBe(1);
    const count = await handle.db.select({ n: sql<number>`count(*)::int` }).from(embeddedWallets);
    expect(Number(count[0]!.n)).toBe(1);
  });

  it("stores only ciphertext and signs with the decrypted key", async () => {
    const { userId, address } = await ensureBuyer(handle.db, "signer@example.com");
    const account = await embeddedAccount(handle.db, userId, [first]);
    expect(account.address).toBe(address);
    const [row] = await handle.db.select().from(embeddedWallets).where(sql`${embeddedWallets.userId} = ${userId}`);
    const stored = JSON.stringify(row);
    // Neither the key nor any hex form of it is stored.
    const signature = await account.signMessage({ message: "hello" });
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(stored).not.toMatch(/0x[0-9a-f]{64}/i);
    expect(row!.kekId).toBe("k1");
  });

  it("rotates the key-encryption key without changing the wallet", async () => {
    const { userId, address } = await ensureBuyer(handle.db, "rotate@example.com");
    // A new KEK first; the old one still listed.
    expect(await rotateWalletKeys(handle.db, [second, first])).toBeGreaterThanOrEqual(1);
    expect(await rotateWalletKeys(handle.db, [second, first])).toBe(0); // idempotent
    // After rotation the old key is no longer needed.
    const account = await embeddedAccount(handle.db, userId, [second]);
    expect(account.address).toBe(address);
    await expect(embeddedAccount(handle.db, userId, [first])).rejects.toThrow(/not in WALLET_KEYS/);
  });

  it("returns the same address for an existing wallet", async () => {
    const { userId, address } = await ensureBuyer(handle.db, "again@example.com");
    expect(await ensureEmbeddedWallet(handle.db, userId)).toBe(address);
  });
});
