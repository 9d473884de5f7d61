/** A ticket's state as the fan sees it (shared by the server and the "My tickets" page). */
export type TicketStatus = "valid" | "checked-in" | "fractional" | "refundable" | "refunded";

export function ticketStatus(t: { eventStatus: string | null; checkedIn: boolean; fractionalized: boolean; refunded: boolean }): TicketStatus {
  if (t.eventStatus === "cancelled") return t.refunded ? "refunded" : "refundable";
  if (t.checkedIn) return "checked-in";
  if (t.fractionalized) return "fractional";
  return "valid";
}

export const STATUS_LABEL: Record<TicketStatus, string> = {
  valid: "Valid",
  "checked-in": "Checked in",
  fractional: "Fractional",
  refundable: "Refundable",
  refunded: "Refunded",
};

/** "<contract>:<tokenId>": how a ticket is named in forms and API bodies (token ids are per event contract). */
export function ticketKey(contract: string, tokenId: string | bigint): string {
  return `${contract.toLowerCase()}:${tokenId.toString()}`;
}

/** Most tickets one claim moves (one relayed batch). */
export const MAX_CLAIM = 50;
