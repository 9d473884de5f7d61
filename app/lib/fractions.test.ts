import { BaseError } from "viem";
import { describe, expect, it } from "vitest";
import { fractionErrorMessage, parseCoin, parseShares } from "./fractions";

describe("parseCoin", () => {
  it("turns decimal text into wei without floats", () => {
    expect(parseCoin("180")).toBe(180n * 10n ** 18n);
    expect(parseCoin(" 0.1 ")).toBe(10n ** 17n);
    expect(parseCoin("0.000000000000000001")).toBe(1n);
  });
  it("refuses zero, negatives, too many decimals and junk", () => {
    for (const text of ["0", "0.0", "-1", "1e3", "0.0000000000000000001", "", "abc", "1,5"]) expect(parseCoin(text)).toBeNull();
  });
});

describe("parseShares", () => {
  it("accepts whole numbers in range only", () => {
    expect(parseShares("10", 2, 1000)).toBe(10);
    expect(parseShares("1", 2, 1000)).toBeNull();
    expect(parseShares("1001", 2, 1000)).toBeNull();
    expect(parseShares("2.5", 2, 1000)).toBeNull();
    expect(parseShares("", 2, 1000)).toBeNull();
  });
});

describe("fractionErrorMessage", () => {
  it("explains a wallet refusal and falls back to the short message", () => {
    const rejected = new BaseError("User rejected", { cause: Object.assign(new Error("rejected"), { code: 4001 }) });
    expect(fractionErrorMessage(rejected, "ETH")).toMatch(/rejected the request/);
    expect(fractionErrorMessage(new BaseError("boom"), "ETH")).toBe("The transaction did not go through: boom");
    expect(fractionErrorMessage(new Error("Plain"), "ETH")).toBe("Plain");
  });
});
