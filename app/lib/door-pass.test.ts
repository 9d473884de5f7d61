import { describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { getAddress } from "viem";
import {
  checksumAddress,
  checkPassTime,
  decodeDoorPass,
  doorPassTypedData,
  encodeDoorPass,
  isSignedByHolder,
  passExpiresAt,
  passWindow,
  type DoorPass,
} from "./door-pass";

const holder = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());
const TICKET = getAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3");
const NOW = Date.UTC(2026, 11, 1, 20, 0, 10);

function pass(overrides: Partial<DoorPass> = {}): DoorPass {
  return { chainId: 31337, ticket: TICKET, tokenId: 42n, holder: holder.address, window: passWindow(NOW), ...overrides };
}

describe("door passes", () => {
  it("round-trips through the QR text and verifies the holder's signature", async () => {
    const p = pass();
    const signature = await holder.signTypedData(doorPassTypedData(p));
    const text = encodeDoorPass(p, signature);
    expect(text).toMatch(/^TC1:31337:0x[0-9a-f]{40}:42:0x[0-9a-f]{40}:\d+:0x[0-9a-f]{130}$/);
    const decoded = decodeDoorPass(text);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.pass).toEqual(p);
    expect(await isSignedByHolder(decoded.pass, decoded.signature)).toBe(true);
  });

  it("rejects a pass signed by someone else, or altered after signing", async () => {
    const p = pass();
    const forged = await other.signTypedData(doorPassTypedData(p));
    expect(await isSignedByHolder(p, forged)).toBe(false);
    const signature = await holder.signTypedData(doorPassTypedData(p));
    expect(await isSignedByHolder({ ...p, tokenId: 43n }, signature)).toBe(false);
    expect(await isSignedByHolder({ ...p, window: p.window + 1n }, signature)).toBe(false);
    expect(await isSignedByHolder({ ...p, chainId: 137 }, signature)).toBe(false);
  });

  it("checksums addresses as viem's getAddress does, whatever their casing", () => {
    for (let i = 0; i < 200; i++) {
      const address = privateKeyToAccount(generatePrivateKey()).address;
      expect(checksumAddress(address.toLowerCase())).toBe(address);
      expect(checksumAddress(address.toUpperCase().replace("0X", "0x"))).toBe(address);
    }
    expect(checksumAddress("0x0000000000000000000000000000000000000000")).toBe(getAddress("0x0000000000000000000000000000000000000000"));
    expect(checksumAddress("0xffffffffffffffffffffffffffffffffffffffff")).toBe(getAddress("0xffffffffffffffffffffffffffffffffffffffff"));
  });

  it("decodes a pass for another contract after one for the door's usual contract", () => {
    const other = "0x" + "ab".repeat(20);
    const first = decodeDoorPass(encodeDoorPass(pass(), `0x${"11".repeat(65)}`));
    const second = decodeDoorPass(encodeDoorPass(pass({ ticket: getAddress(other) }), `0x${"11".repeat(65)}`));
    const third = decodeDoorPass(encodeDoorPass(pass(), `0x${"11".repeat(65)}`));
    expect(first.ok && first.pass.ticket).toBe(TICKET);
    expect(second.ok && second.pass.ticket).toBe(getAddress(other));
    expect(third.ok && third.pass.ticket).toBe(TICKET);
  });

  it("expires after the grace window and refuses passes from the future", () => {
    const p = pass();
    expect(checkPassTime(p, NOW)).toEqual({ ok: true });
    expect(checkPassTime(p, NOW + 30_000)).toEqual({ ok: true }); // one window of grace
    expect(checkPassTime(p, NOW + 60_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    expect(checkPassTime(p, NOW - 60_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/future/) });
    expect(passExpiresAt(p.window)).toBeGreaterThan(NOW + 30_000);
    expect(passExpiresAt(p.window)).toBeLessThanOrEqual(NOW + 60_000);
  });

  it.each([
    ["", "Not a TicketChain pass"],
    ["hello", "Not a TicketChain pass"],
    ["TC1:0:0x5fbdb2315678afecb367f032d93f642f64180aa3:1:0x5fbdb2315678afecb367f032d93f642f64180aa3:1:0x00", "Malformed pass (chain)"],
    ["TC1:1:0xnope:1:0x5fbdb2315678afecb367f032d93f642f64180aa3:1:0x00", "Malformed pass (address)"],
    ["TC1:1:0x5fbdb2315678afecb367f032d93f642f64180aa3:-1:0x5fbdb2315678afecb367f032d93f642f64180aa3:1:0x00", "Malformed pass (number)"],
    ["TC1:1:0x5fbdb2315678afecb367f032d93f642f64180aa3:1:0x5fbdb2315678afecb367f032d93f642f64180aa3:1:0x00", "Malformed pass (signature)"],
    ["x".repeat(500), "Not a TicketChain pass"],
  ])("refuses malformed text %#", (text, reason) => {
    expect(decodeDoorPass(text)).toEqual({ ok: false, reason });
  });
});
