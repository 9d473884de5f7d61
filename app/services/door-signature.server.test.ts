import { randomBytes } from "node:crypto";
import { getAddress, hashTypedData, keccak256, recoverTypedDataAddress, toHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { checksumAddress, decodeDoorPass, doorPassDigest, doorPassTypedData, encodeDoorPass, isSignedByHolder, type DoorPass } from "~/lib/door-pass";
import { keccak256Bytes, keccakBackend, passSignedByHolder, passSignedByHolderNative, signatureBackend } from "./door-signature.server";

/**
 * The door's fast signature check (hand-made EIP-712 digest, libsecp256k1 recovery) against the
 * reference: viem's hashTypedData and recoverTypedDataAddress over doorPassTypedData, the check the door
 * used before. Random passes (random keys, tokens up to 2^256 - 1, windows up to 2^64 - 1, chains,
 * contracts) must verify on every path; tampered ones must get the same answer everywhere, and fail.
 */

const N = 120;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The door's check before: viem's typed-data recovery, compared with the holder. */
async function reference(pass: DoorPass, signature: Hex): Promise<boolean> {
  try {
    return (await recoverTypedDataAddress({ ...doorPassTypedData(pass), signature })) === pass.holder;
  } catch {
    return false;
  }
}

const randomBig = (bytes: number) => BigInt(toHex(randomBytes(bytes)));
const randomAddress = () => getAddress(toHex(randomBytes(20)));
const word = (n: bigint) => n.toString(16).padStart(64, "0");

function randomPass(holder: Address): DoorPass {
  return {
    chainId: [1, 137, 31337, 80002, 1 + Number(randomBig(4))][Math.floor(Math.random() * 5)]!,
    ticket: randomAddress(),
    tokenId: randomBig(1 + Math.floor(Math.random() * 32)),
    holder,
    window: randomBig(1 + Math.floor(Math.random() * 8)),
  };
}

/** Ways to alter a signed pass; each must be refused (the signer no longer matches the holder). */
const TAMPER: Array<[string, (pass: DoorPass, signature: Hex) => { pass: DoorPass; signature: Hex }]> = [
  ["tokenId + 1", (p, s) => ({ pass: { ...p, tokenId: p.tokenId + 1n }, signature: s })],
  ["window - 1", (p, s) => ({ pass: { ...p, window: p.window === 0n ? 1n : p.window - 1n }, signature: s })],
  ["other chain", (p, s) => ({ pass: { ...p, chainId: p.chainId + 1 }, signature: s })],
  ["other contract", (p, s) => ({ pass: { ...p, ticket: randomAddress() }, signature: s })],
  ["other holder", (p, s) => ({ pass: { ...p, holder: randomAddress() }, signature: s })],
  ["bit flipped in r", (p, s) => ({ pass: p, signature: flipBit(s, 2 + Math.floor(Math.random() * 64)) })],
  ["bit flipped in s", (p, s) => ({ pass: p, signature: flipBit(s, 66 + Math.floor(Math.random() * 64)) })],
  ["recovery id flipped", (p, s) => ({ pass: p, signature: `${s.slice(0, 130)}${s.endsWith("1b") ? "1c" : "1b"}` as Hex })],
  ["recovery id 29", (p, s) => ({ pass: p, signature: `${s.slice(0, 130)}1d` as Hex })],
  ["r = 0", (p, s) => ({ pass: p, signature: `0x${word(0n)}${s.slice(66)}` as Hex })],
  ["s = n", (p, s) => ({ pass: p, signature: `${s.slice(0, 66)}${word(SECP256K1_N)}${s.slice(130)}` as Hex })],
  ["r = n + 1", (p, s) => ({ pass: p, signature: `0x${word(SECP256K1_N + 1n)}${s.slice(66)}` as Hex })],
  ["signature of another pass", (p, s) => ({ pass: { ...p, tokenId: p.tokenId ^ 1n }, signature: s })],
];

function flipBit(signature: Hex, hexIndex: number): Hex {
  const digit = parseInt(signature[hexIndex]!, 16) ^ (1 << Math.floor(Math.random() * 4));
  return `${signature.slice(0, hexIndex)}${digit.toString(16)}${signature.slice(hexIndex + 1)}` as Hex;
}

async function answers(pass: DoorPass, signature: Hex) {
  return { reference: await reference(pass, signature), noble: await isSignedByHolder(pass, signature), native: passSignedByHolderNative(pass, signature), server: await passSignedByHolder(pass, signature) };
}

describe("door pass signatures: hand-made digest + libsecp256k1 agree with viem", () => {
  it("uses the native binding on this platform", () => {
    expect(signatureBackend()).toBe("libsecp256k1");
    expect(keccakBackend()).toBe("native");
  });

  it("hashes with the native keccak-256 exactly as viem does, at every length around the 136-byte rate", () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      expect(toHex(keccak256Bytes(bytes))).toBe(keccak256(bytes));
    }
  });

  it("returns each digest in its own memory: the next hash (one sponge per process) does not overwrite it", () => {
    const a = keccak256Bytes(Uint8Array.of(1));
    const b = keccak256Bytes(Uint8Array.of(2));
    expect(toHex(a)).toBe(keccak256(Uint8Array.of(1)));
    expect(toHex(b)).toBe(keccak256(Uint8Array.of(2)));
  });

  it("checksums a pass's addresses with the native keccak-256 as viem's getAddress does", () => {
    for (let i = 0; i < 100; i++) {
      const address = toHex(randomBytes(20));
      expect(checksumAddress(address, keccak256Bytes)).toBe(getAddress(address));
      const text = encodeDoorPass({ chainId: 31337, ticket: getAddress(address), tokenId: 1n, holder: getAddress(address), window: 1n }, `0x${"11".repeat(65)}`);
      const decoded = decodeDoorPass(text, keccak256Bytes);
      expect(decoded.ok && [decoded.pass.ticket, decoded.pass.holder]).toEqual([getAddress(address), getAddress(address)]);
    }
  });

  it(`computes viem's EIP-712 digest and accepts ${N} random passes on every path, through the QR text too`, { timeout: 120_000 }, async () => {
    const holders = Array.from({ length: 12 }, () => privateKeyToAccount(generatePrivateKey()));
    for (let i = 0; i < N; i++) {
      const holder = holders[i % holders.length]!;
      const pass = randomPass(holder.address);
      expect(toHex(doorPassDigest(pass)!)).toBe(hashTypedData(doorPassTypedData(pass)));
      expect(toHex(doorPassDigest(pass, keccak256Bytes)!)).toBe(hashTypedData(doorPassTypedData(pass)));
      const signature = await holder.signTypedData(doorPassTypedData(pass));
      expect(await answers(pass, signature)).toEqual({ reference: true, noble: true, native: true, server: true });
      // what the door actually sees: the decoded QR text (which holds windows below 10^19)
      if (pass.window < 10n ** 19n) {
        const decoded = decodeDoorPass(encodeDoorPass(pass, signature));
        if (!decoded.ok) throw new Error(decoded.reason);
        expect(passSignedByHolderNative(decoded.pass, decoded.signature)).toBe(true);
      }

      const [name, tamper] = TAMPER[i % TAMPER.length]!;
      const altered = tamper(pass, signature);
      expect({ name, ...(await answers(altered.pass, altered.signature)) }).toEqual({ name, reference: false, noble: false, native: false, server: false });
    }
  });

  it("agrees with viem on the other form of a signature (s → n - s, recovery id flipped) and on v = 0 / 1", async () => {
    const holder = privateKeyToAccount(generatePrivateKey());
    const pass = randomPass(holder.address);
    const signature = await holder.signTypedData(doorPassTypedData(pass));
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    const v = signature.slice(130) === "1b" ? "1c" : "1b";
    const high = `${signature.slice(0, 66)}${word(SECP256K1_N - s)}${v}` as Hex;
    // viem (@noble/curves) does not insist on low s; neither do the fast paths: the holder's key made it either way.
    expect(await answers(pass, high)).toEqual({ reference: true, noble: true, native: true, server: true });
    const yParity = `${signature.slice(0, 130)}${signature.endsWith("1b") ? "00" : "01"}` as Hex;
    expect(await answers(pass, yParity)).toEqual({ reference: true, noble: true, native: true, server: true });
  });

  it("refuses what the types cannot hold, as viem does", async () => {
    const holder = privateKeyToAccount(generatePrivateKey());
    const pass = randomPass(holder.address);
    const signature = await holder.signTypedData(doorPassTypedData(pass));
    for (const bad of [{ ...pass, tokenId: 2n ** 256n }, { ...pass, window: 2n ** 64n }, { ...pass, tokenId: -1n }]) {
      expect(doorPassDigest(bad)).toBeNull();
      expect(await answers(bad, signature)).toEqual({ reference: false, noble: false, native: false, server: false });
    }
    expect(await answers(pass, "0x1234" as Hex)).toEqual({ reference: false, noble: false, native: false, server: false });
  });
});
