import type { LoaderFunctionArgs } from "@remix-run/node";
import { resaleResponse } from "~/services/resale.server";
import { requireUser } from "~/services/session.server";
import { offerOrder } from "~/services/waitlist.server";
import { getDb } from "../../db/client.server";

/**
 * GET /waitlist/offers/:id/order — the signed order of the ticket held for this waitlist offer, for the
 * offered fan's wallet to fill (`{ id, marketplace, chainId, signature, order }`). Only the offered account
 * gets it (403 for anyone else, 401 signed out), only while the offer stands (409), checked open on chain.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return resaleResponse(async () => offerOrder(await getDb(), user, params.id ?? ""));
}

export async function action() {
  return Response.json({ error: "Use GET to read the offer's order." }, { status: 405, headers: { allow: "GET" } });
}
