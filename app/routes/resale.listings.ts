import type { ActionFunctionArgs } from "@remix-run/node";
import { createListing, resaleResponse, ResaleError } from "~/services/resale.server";
import { hit, LIMITS, tooManyRequests } from "~/services/rate-limits.server";
import { requireUser } from "~/services/session.server";
import { paymentsEndpoint } from "~/services/payments.server";
import { offerAndNotify } from "~/services/waitlist.server";
import { getDb } from "../../db/client.server";

/**
 * POST /resale/listings — put a signed Marketplace order in the resale book.
 * JSON `{ order: { seller, token, tokenId, amount, price, currency, expiry, nonce, salt }, signature }`
 * (uint fields as decimal strings), and `waitlist: true` to sell to the event's face-value waitlist (price =
 * face value; the first fan in line is offered it at once). 201 `{ id, orderHash }`; 400 / 403 / 409 `{ error }` (a price above
 * the cap also carries `capWei`).
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405 });
  const user = await requireUser(request);
  const wait = await hit(LIMITS.listing, user.id);
  if (wait !== null) return tooManyRequests(wait);
  return resaleResponse(async () => {
    const body = await request.json().catch(() => {
      throw new ResaleError(400, "Send the order and signature as JSON.");
    });
    const db = await getDb();
    const waitlist = typeof body === "object" && body !== null && (body as { waitlist?: unknown }).waitlist === true;
    const listed = await createListing(db, user, body, { waitlist });
    if (waitlist) await offerAndNotify(db, listed.eventId, paymentsEndpoint(request).publicUrl);
    return { id: listed.id, orderHash: listed.orderHash };
  }, 201);
}
