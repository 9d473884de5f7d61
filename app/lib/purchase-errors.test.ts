import { ContractFunctionExecutionError, ContractFunctionRevertedError, encodeErrorResult, TransactionExecutionError, UserRejectedRequestError } from "viem";
import { describe, expect, it } from "vitest";
import { concertTicketAbi } from "~/contracts/abi";
import { purchaseErrorMessage } from "./purchase-errors";

/** A revert of `buy` as viem reports it: the contract's custom error, ABI-encoded, decoded by viem itself. */
function reverted(errorName: string, args: readonly unknown[]) {
  const data = encodeErrorResult({ abi: concertTicketAbi, errorName: errorName as never, args: args as never });
  const cause = new ContractFunctionRevertedError({ abi: concertTicketAbi, functionName: "buy", data });
  return new ContractFunctionExecutionError(cause, { abi: concertTicketAbi, functionName: "buy", args: [0n, 2n] });
}

describe("purchaseErrorMessage", () => {
  it("explains the ticket contract's custom errors", () => {
    expect(purchaseErrorMessage(reverted("TicketSoldOut", [0n, 2n, 0n]), "POL")).toBe("Sold out: this tier has no seats left. Nothing was charged.");
    expect(purchaseErrorMessage(reverted("TicketSoldOut", [0n, 2n, 1n]), "POL")).toBe("Only 1 seat left in this tier. Pick fewer tickets. Nothing was charged.");
    expect(purchaseErrorMessage(reverted("TicketSalesClosed", [1_800_000_000n]), "POL")).toBe("Sales have closed for this event. Nothing was charged.");
    expect(purchaseErrorMessage(reverted("TicketEventCancelled", [1n]), "POL")).toBe("This event was cancelled. Nothing was charged.");
    expect(purchaseErrorMessage(reverted("TicketWrongPayment", [180n * 10n ** 18n, 1n]), "POL")).toMatch(/expects 180 POL/);
  });

  it("recognises a request the fan rejected in the wallet", () => {
    const rejected = new TransactionExecutionError(new UserRejectedRequestError(new Error("User denied transaction signature.")), {} as never);
    expect(purchaseErrorMessage(rejected, "POL")).toBe("You rejected the request in your wallet. Nothing was charged.");
  });

  it("falls back to viem's short message, and to a generic one for anything else", () => {
    expect(purchaseErrorMessage(reverted("TicketUnknownTier", [9n]), "POL")).toMatch(/^The purchase did not go through: /);
    expect(purchaseErrorMessage(new Error("boom"), "POL")).toBe("The purchase did not go through. Please try again.");
  });
});
