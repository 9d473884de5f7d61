import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "../../db/client.server";
import { clientIp, hit, LIMITS, waitMessage } from "~/services/rate-limits.server";
import { issueNonce } from "~/services/siwe.server";

/** GET /auth/siwe/nonce → { nonce }: single use, valid 5 minutes (EIP-4361). */
export async function loader({ context }: LoaderFunctionArgs) {
  const wait = await hit(LIMITS.siweNonce, clientIp(context));
  if (wait !== null) return Response.json({ error: waitMessage(wait) }, { status: 429, headers: { "Retry-After": String(wait) } });
  const nonce = await issueNonce(await getDb());
  return Response.json({ nonce }, { headers: { "Cache-Control": "no-store" } });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
