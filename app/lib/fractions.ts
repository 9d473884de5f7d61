import { BaseError, ContractFunctionRevertedError, parseEther, UserRejectedRequestError } from "viem";
import { formatWei } from "./format";

/** Shared by the fraction page, the split dialog and the server (pure: no chain access). */

/** Shares a ticket can be split into from the UI (the contract allows 2 to 1,000,000). */
export const MIN_SPLIT = 2;
export const MAX_SPLIT = 1000;

export type FractionState = "active" | "redeemed" | "bought-out" | "refunded";

export const FRACTION_STATE_LABEL: Record<FractionState, string> = {
  active: "Active",
  redeemed: "Redeemed",
  "bought-out": "Bought out",
  refunded: "Refunded",
};

/**
 * A coin amount typed by a person ("0.5", "180") → wei; null when it is not a positive decimal number
 * with at most 18 decimals. No floats: viem's parseEther works on the decimal string.
 */
export function parseCoin(text: string): bigint | null {
  const value = text.trim();
  if (!/^\d{1,30}(\.\d{1,18})?$/.test(value)) return null;
  const wei = parseEther(value);
  return wei > 0n ? wei : null;
}

/** Whole number of shares in [min, max], or null. */
export function parseShares(text: string, min: number, max: number): number | null {
  if (!/^\d{1,7}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

/** A fan-readable reason for a failed fractions or marketplace transaction. */
export function fractionErrorMessage(error: unknown, coin: string): string {
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof UserRejectedRequestError || (e as { code?: number }).code === 4001)) {
      return "You rejected the request in your wallet. Nothing changed.";
    }
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    const name = reverted?.data?.errorName;
    const args = (reverted?.data?.args ?? []) as readonly unknown[];
    switch (name) {
      case "FractionsNotWholeOwner":
        return `Redeeming needs every share: you hold ${String(args[1])} of ${String(args[2])}.`;
      case "FractionsNotLocked":
        return "This fraction is closed already (redeemed, bought out or refunded). Reload the page.";
      case "FractionsWrongPayment":
        return `The buyout costs exactly ${formatWei(String(args[1]), coin)}.`;
      case "FractionsEventCancelled":
        return "The event was cancelled: there is no buyout; the holders collect the refund instead.";
      case "FractionsEventNotCancelled":
        return "The event is not cancelled: there is no refund to collect.";
      case "FractionsNotSettled":
        return "Shares cash out only after a buyout or a refund.";
      case "FractionsNoShares":
        return "This wallet holds no shares of this ticket.";
      case "FractionsNotTicketOwner":
        return "This wallet does not own the ticket any more.";
      case "FractionsInvalidShares":
        return `A ticket splits into ${MIN_SPLIT} to ${MAX_SPLIT} shares.`;
      case "TicketCheckedInNotTransferable":
        return "A checked-in ticket can no longer be split or moved.";
      case "TicketEventCancelled":
        return "The event was cancelled: the ticket can no longer be moved (claim its refund instead).";
      case "MarketplaceInvalidFillAmount":
        return `Only ${String(args[2])} share${String(args[2]) === "1" ? " is" : "s are"} left in this listing. Reload the page.`;
      case "MarketplaceSellerCannotDeliver":
        return "The seller no longer holds these shares (or withdrew the marketplace's permission). Pick another listing.";
      case "MarketplaceOrderCancelled":
      case "MarketplaceInvalidNonce":
        return "The seller withdrew this listing.";
      case "MarketplaceOrderExpired":
        return "This listing has expired.";
      case "MarketplaceBuyerIsSeller":
        return "This is your own listing.";
      case "MarketplacePriceAboveCap":
        return `The price per share is above the resale cap (${formatWei(String(args[1]), coin)} per share).`;
      case "MarketplaceIncorrectPayment":
        return `The payment must be exactly ${formatWei(String(args[1]), coin)}.`;
    }
    if (name) return `The transaction was refused: ${name}.`;
    if (/insufficient funds/i.test(error.message)) return `Your wallet does not hold enough ${coin} for this and its network fee.`;
    return `The transaction did not go through: ${error.shortMessage}`;
  }
  return error instanceof Error ? error.message : "The transaction did not go through. Please try again.";
}
