import { describe, expect, it } from "vitest";
import { centsToWei, isStale, STALE_AFTER_SECONDS, weiToCents } from "./prices.server";

const QUARTER = 25_000_000n; // $0.25, 8 decimals
const ETH = 300_000_000_000n; // $3,000.00, 8 decimals

describe("cents ↔ wei conversion (integer math)", () => {
  it("converts the demo tiers exactly: 180 coins at $0.25 = $45.00, 480 = $120.00", () => {
    expect(weiToCents(180n * 10n ** 18n, QUARTER, 8)).toBe(4500n);
    expect(weiToCents(480n * 10n ** 18n, QUARTER, 8)).toBe(12000n);
    expect(centsToWei(4500n, QUARTER, 8)).toBe(180n * 10n ** 18n);
  });

  it("rounds wei → cents half up, and cents → wei up (a payment is never worth less than asked)", () => {
    // 1 wei at $3,000 is far below a cent; 0.5 cent rounds up, 0.4999… down.
    expect(weiToCents(1n, ETH, 8)).toBe(0n);
    const halfCentWei = 10n ** 18n / 600_000n; // 1/600000 ETH = $0.005 minus rounding
    expect(weiToCents(halfCentWei, ETH, 8)).toBe(0n); // 1666666666666 wei = $0.004999…
    expect(weiToCents(halfCentWei + 1n, ETH, 8)).toBe(1n); // 1666666666667 wei = $0.0050000…01
    // $1.00 at $3,000/ETH = 1/3000 ETH = 333333333333333.33… wei → rounded up
    expect(centsToWei(100n, ETH, 8)).toBe(333_333_333_333_334n);
    expect(weiToCents(centsToWei(100n, ETH, 8), ETH, 8)).toBe(100n);
  });

  it("round-trips any cent amount at other decimals without drift", () => {
    for (const cents of [0n, 1n, 99n, 4500n, 123_456_789n]) {
      for (const [answer, decimals] of [[QUARTER, 8], [ETH, 8], [2_500n, 4], [3_000_123_456_789_000_000_000n, 18]] as const) {
        expect(weiToCents(centsToWei(cents, answer, decimals), answer, decimals)).toBe(cents);
      }
    }
  });

  it("handles amounts far beyond 2^53 without losing a wei", () => {
    const wei = 123_456_789_012_345_678_901_234_567_890n;
    expect(weiToCents(wei, QUARTER, 8)).toBe(3_086_419_725_309n); // 123,456,789,012.3456… coins × 25 ¢ = 3,086,419,725,308.64 ¢
  });

  it("refuses a non-positive answer or negative amounts", () => {
    expect(() => weiToCents(1n, 0n, 8)).toThrow(RangeError);
    expect(() => centsToWei(1n, -1n, 8)).toThrow(RangeError);
    expect(() => centsToWei(-1n, QUARTER, 8)).toThrow(RangeError);
    expect(() => weiToCents(-1n, QUARTER, 8)).toThrow(RangeError);
  });

  it("calls an answer stale after one hour", () => {
    const now = 1_800_000_000;
    expect(isStale({ updatedAt: now - STALE_AFTER_SECONDS }, now)).toBe(false);
    expect(isStale({ updatedAt: now - STALE_AFTER_SECONDS - 1 }, now)).toBe(true);
  });
});
