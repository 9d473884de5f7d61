import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { listingForFill, refreshListing, resaleResponse } from "~/services/resale.server";
import { getDb } from "../../db/client.server";

/**
 * GET /resale/listings/:id — what a buyer's wallet needs to fill the listing (order, signature,
 * marketplace), after checking on chain that it is still open (409 otherwise).
 * POST /resale/listings/:id — re-read its state from the chain (after a fill or cancel); `{ id, status }`.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  return resaleResponse(async () => listingForFill(await getDb(), params.id ?? ""));
}

export async function action({ params }: ActionFunctionArgs) {
  return resaleResponse(async () => refreshListing(await getDb(), params.id ?? ""));
}
