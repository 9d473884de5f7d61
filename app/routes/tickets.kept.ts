import type { ActionFunctionArgs } from "@remix-run/node";
import { cancelEmbeddedListing, listEmbeddedTicket, sellKeptToWaitlist, transferEmbeddedTicket } from "~/services/embedded-resale.server";
import { paymentsEndpoint } from "~/services/payments.server";
import { offerAndNotify } from "~/services/waitlist.server";
import { resaleResponse, ResaleError } from "~/services/resale.server";
import { requireUser } from "~/services/session.server";
import { getDbHandle } from "../../db/client.server";

/**
 * POST /tickets/kept — one-click actions on a ticket TicketChain keeps for the signed-in fan (its embedded
 * wallet signs; the server relays through the forwarder and pays the gas). JSON:
 *   { intent: "list", contract, tokenId, priceWei }   → 201 { id, orderHash }
 *   { intent: "waitlist", contract, tokenId }           → 201 { id, orderHash } (face value, held for the event's waitlist)
 *   { intent: "cancel", listingId }                     → 200 { id, status, txHash }
 *   { intent: "transfer", contract, tokenId, to }       → 200 { ok, to, txHash, message } (to: 0x… or an email)
 * Refusals: 400 / 403 / 404 / 409 `{ error }` (a price above the cap also carries `capWei`).
 */
export async function loader() {
  return Response.json({ error: "Use POST with JSON." }, { status: 405, headers: { allow: "POST" } });
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405 });
  const user = await requireUser(request);
  const body = (await request.json().catch(() => null)) as { intent?: unknown; listingId?: unknown } | null;
  const handle = await getDbHandle();
  switch (body?.intent) {
    case "list":
      return resaleResponse(() => listEmbeddedTicket(handle, user, body), 201);
    case "waitlist":
      return resaleResponse(async () => {
        const listed = await sellKeptToWaitlist(handle, user, body);
        // The first fan in line is offered it at once (and mailed); nobody waiting: it stays held.
        await offerAndNotify(handle.db, listed.eventId, paymentsEndpoint(request).publicUrl);
        return { id: listed.id, orderHash: listed.orderHash };
      }, 201);
    case "cancel":
      return resaleResponse(() => cancelEmbeddedListing(handle, user, typeof body.listingId === "string" ? body.listingId : ""));
    case "transfer":
      return resaleResponse(() => transferEmbeddedTicket(handle, user, body));
    default:
      return resaleResponse(async () => {
        throw new ResaleError(400, 'Send JSON with intent "list", "waitlist", "cancel" or "transfer".');
      });
  }
}
