import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { CHAINS, env } from "~/env.server";
import { refreshTicketMetadata } from "~/services/metadata.server";

/** GET /metadata/<chainId>/<contract>/<tokenId>: the ticket's ERC-721 metadata (the contract's tokenURI). */
const Params = z.object({
  chainId: z.string().regex(/^\d{1,12}$/, "chain id must be a number").transform(Number),
  contract: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "contract must be a 0x-prefixed 20-byte address"),
  tokenId: z.string().regex(/^\d{1,78}$/, "token id must be a decimal number"),
});

const problem = (status: number, error: string) =>
  Response.json({ error }, { status, headers: { "Cache-Control": "no-store" } });

export async function loader({ params }: LoaderFunctionArgs) {
  const parsed = Params.safeParse(params);
  if (!parsed.success) return problem(400, parsed.error.issues.map((i) => i.message).join("; "));
  const { chainId, contract, tokenId } = parsed.data;
  if (chainId !== CHAINS[env().chain].id) return problem(404, `this server serves chain ${CHAINS[env().chain].id} only`);
  const stored = await refreshTicketMetadata(chainId, contract, tokenId);
  if (!stored) return problem(404, `ticket ${tokenId} of ${contract} is not known (yet): it may not be minted or not indexed`);
  return new Response(Buffer.from(stored.bytes), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      // The status attribute changes at check-in: short cache here; /ipfs/<cid> is the immutable copy.
      "Cache-Control": "public, max-age=60",
      ETag: `"${stored.cid}"`,
      "X-Ipfs-Path": `/ipfs/${stored.cid}`,
      "Access-Control-Allow-Origin": "*",
    },
  });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
