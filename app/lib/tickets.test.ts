import { describe, expect, it } from "vitest";
import { ticketKey, ticketStatus } from "./tickets";

describe("ticketStatus", () => {
  const base = { eventStatus: "published", checkedIn: false, fractionalized: false, refunded: false };
  it.each([
    [{}, "valid"],
    [{ checkedIn: true }, "checked-in"],
    [{ fractionalized: true }, "fractional"],
    [{ eventStatus: "cancelled" }, "refundable"],
    [{ eventStatus: "cancelled", checkedIn: true }, "refundable"],
    [{ eventStatus: "cancelled", refunded: true }, "refunded"],
  ])("%o is %s", (overrides, status) => {
    expect(ticketStatus({ ...base, ...overrides })).toBe(status);
  });
  it("names a ticket by its lower-case contract and token id", () => {
    expect(ticketKey("0xAbC", 12n)).toBe("0xabc:12");
  });
});
