import { describe, expect, it } from "vitest";
import { formatCents, formatEventDate, formatWei, shortAddress } from "./format";

describe("formatCents", () => {
  it("formats integer cents exactly", () => {
    expect(formatCents(4500)).toBe("$45.00");
    expect(formatCents(12_345_678_901n)).toBe("$123,456,789.01");
    expect(formatCents(7)).toBe("$0.07");
    expect(formatCents(-250)).toBe("-$2.50");
  });
  it("does not lose precision beyond 2^53", () => {
    expect(formatCents(9_007_199_254_740_993n)).toBe("$90,071,992,547,409.93");
  });
});

describe("formatWei", () => {
  it("formats whole and fractional amounts", () => {
    expect(formatWei(180n * 10n ** 18n, "POL")).toBe("180 POL");
    expect(formatWei("1500000000000000000", "ETH")).toBe("1.5 ETH");
    expect(formatWei(1n, "ETH")).toBe("0 ETH");
    expect(formatWei(1234567n * 10n ** 18n, "POL")).toBe("1,234,567 POL");
  });
});

describe("formatEventDate", () => {
  it("is fixed to UTC", () => {
    expect(formatEventDate("2027-01-19T20:00:00Z")).toBe("Tue, 19 Jan 2027, 20:00 UTC");
  });
});

it("shortens addresses", () => {
  expect(shortAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).toBe("0x7099…79C8");
});
