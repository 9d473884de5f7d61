import type { LoaderFunctionArgs } from "@remix-run/node";
import { getAddress } from "viem";
import { z } from "zod";
import { resaleQuote, resaleResponse, ResaleError } from "~/services/resale.server";
import { requireUser } from "~/services/session.server";

const Query = z.object({
  contract: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "contract must be an address"),
  tokenId: z.string().regex(/^[1-9]\d{0,76}$/, "tokenId must be a ticket number"),
});

/**
 * GET /resale/quote?contract=0x…&tokenId=7 — the resale terms of one ticket, read from the chain: owner,
 * cap, face value, royalty and platform fee rates, whether the marketplace is approved, the seller's nonce.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return resaleResponse(async () => {
    const url = new URL(request.url);
    const q = Query.safeParse(Object.fromEntries(url.searchParams));
    if (!q.success) throw new ResaleError(400, q.error.issues[0]!.message);
    return resaleQuote(getAddress(q.data.contract), BigInt(q.data.tokenId));
  });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
