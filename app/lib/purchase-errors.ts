import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError } from "viem";
import { formatWei } from "./format";

/** ConcertTicket.MAX_PER_PURCHASE */
export const MAX_PER_PURCHASE = 10;

/** A fan-readable reason for a failed purchase (custom errors of ConcertTicket, wallet refusals). */
export function purchaseErrorMessage(error: unknown, coin: string): string {
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof UserRejectedRequestError || (e as { code?: number }).code === 4001)) {
      return "You rejected the request in your wallet. Nothing was charged.";
    }
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    const name = reverted?.data?.errorName;
    const args = (reverted?.data?.args ?? []) as readonly unknown[];
    switch (name) {
      case "TicketSoldOut":
        return Number(args[2]) === 0
          ? "Sold out: this tier has no seats left. Nothing was charged."
          : `Only ${String(args[2])} seat${Number(args[2]) === 1 ? "" : "s"} left in this tier. Pick fewer tickets. Nothing was charged.`;
      case "TicketSalesClosed":
        return "Sales have closed for this event. Nothing was charged.";
      case "TicketEventCancelled":
        return "This event was cancelled. Nothing was charged.";
      case "TicketWrongPayment":
        return `The price changed: the contract expects ${formatWei(String(args[0]), coin)}. Reload the page. Nothing was charged.`;
      case "TicketInvalidQuantity":
        return `You can buy 1 to ${MAX_PER_PURCHASE} tickets at a time.`;
    }
    if (/insufficient funds/i.test(error.message)) return `Your wallet does not hold enough ${coin} for this purchase and its network fee.`;
    return `The purchase did not go through: ${error.shortMessage}`;
  }
  return "The purchase did not go through. Please try again.";
}

