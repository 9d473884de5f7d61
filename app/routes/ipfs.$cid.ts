import type { LoaderFunctionArgs } from "@remix-run/node";
import { metadataByCid, parseCid } from "~/services/metadata.server";

/** GET /ipfs/<cid>: a stored metadata document by its content address (immutable). */
export async function loader({ params }: LoaderFunctionArgs) {
  const cid = parseCid(params.cid ?? "");
  if (!cid) return Response.json({ error: "not a valid CID" }, { status: 400, headers: { "Cache-Control": "no-store" } });
  const bytes = await metadataByCid(cid);
  if (!bytes) return Response.json({ error: `no document with CID ${cid} here` }, { status: 404, headers: { "Cache-Control": "no-store" } });
  return new Response(Buffer.from(bytes), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
      ETag: `"${cid}"`,
      "Access-Control-Allow-Origin": "*",
    },
  });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
