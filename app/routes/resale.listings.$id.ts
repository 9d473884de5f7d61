import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { listingForFill, refreshListing, resaleResponse } from "~/services/resale.server";
import { getUser } from "~/services/session.server";
import { getDb } from "../../db/client.server";

/**
 * GET /resale/listings/:id — what a buyer's wallet needs to fill the listing (order, signature,
 * marketplace), after checking on chain that it is still open (409 otherwise). A listing held for the
 * face-value waitlist answers 403 to everyone but its seller (the offered fan uses /waitlist/offers/:id/order).
 * POST /resale/listings/:id — re-read its state from the chain (after a fill or cancel); `{ id, status }`.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return resaleResponse(async () => listingForFill(await getDb(), params.id ?? "", await getUser(request)));
}

export async function action({ params }: ActionFunctionArgs) {
  return resaleResponse(async () => refreshListing(await getDb(), params.id ?? ""));
}
