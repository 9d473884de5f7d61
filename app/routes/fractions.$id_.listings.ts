import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { CHAINS, env } from "~/env.server";
import { currentDeployment, publicClient } from "~/services/chain.server";
import { createShareListing, ListingError } from "~/services/fractions.server";
import { clientIp, hit, LIMITS, tooManyRequests } from "~/services/rate-limits.server";
import { getDb } from "../../db/client.server";

/**
 * POST /fractions/:id/listings — put a signed share order in the book (the "Sell shares" dialog).
 * JSON `{ intent: "list", order: { … uint fields as decimal strings }, signature }` → 201 `{ hash }`;
 * 400 / 404 / 409 `{ error }`; 429 with Retry-After. A resource route, so its errors reach the dialog as
 * JSON (a page route answers a plain POST with an HTML document).
 */
const Id = z.string().regex(/^\d{1,78}$/);
const ListBody = z.object({ intent: z.literal("list"), order: z.unknown(), signature: z.unknown() });

export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405 });
  const id = Id.safeParse(params.id ?? "");
  if (!id.success) return Response.json({ error: "This shares address is not valid." }, { status: 404 });
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: "Send the listing as JSON." }, { status: 400 });
  }
  const parsed = ListBody.safeParse(body);
  if (!parsed.success) return Response.json({ error: 'Unknown request: expected { intent: "list", order, signature }.' }, { status: 400 });
  // A share listing is authorised by its EIP-712 signature, not a session: limited per client IP.
  const wait = await hit(LIMITS.listing, `ip:${clientIp(context)}`);
  if (wait !== null) return tooManyRequests(wait);
  const deployment = currentDeployment();
  if (!deployment) return Response.json({ error: "The platform's contracts are not deployed on this chain yet." }, { status: 503 });
  try {
    const { hash } = await createShareListing(
      { db: await getDb(), client: publicClient(), chainId: CHAINS[env().chain].id, marketplace: deployment.marketplace, fractions: deployment.fractions },
      id.data,
      { order: parsed.data.order, signature: parsed.data.signature },
    );
    return Response.json({ hash }, { status: 201 });
  } catch (error) {
    if (error instanceof ListingError) return Response.json({ error: error.message }, { status: error.status });
    throw error;
  }
}

export async function loader() {
  return Response.json({ error: "Use POST with { intent: \"list\", order, signature }." }, { status: 405 });
}
