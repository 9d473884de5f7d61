import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { CHAINS, env } from "~/env.server";
import { publicClient } from "~/services/chain.server";
import { createSession } from "~/services/session.server";
import { appOrigin, ensureUserByWallet, SiweError, verifySiwe } from "~/services/siwe.server";
import { getDb } from "../../db/client.server";

/** The body RainbowKit's authentication adapter posts (app/components/wallet.client.tsx). */
export const SiweVerifySchema = z.object({
  message: z.string().min(1, "message is required").max(4096, "message is too long"),
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/, "signature must be a 0x-prefixed hex string").max(20_000),
});

/** POST /auth/siwe/verify { message, signature } → 200 { user } + session cookie, or 400/401 { error }. */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405 });
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: "Send a JSON body: { message, signature }." }, { status: 400 });
  }
  const parsed = SiweVerifySchema.safeParse(body);
  if (!parsed.success) return Response.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, { status: 400 });
  const db = await getDb();
  let address;
  try {
    address = await verifySiwe(db, parsed.data, {
      host: appOrigin(request).host,
      chainId: CHAINS[env().chain].id,
      client: publicClient(),
    });
  } catch (error) {
    if (error instanceof SiweError) return Response.json({ error: error.message }, { status: error.status });
    console.error(`[auth] SIWE verification unavailable: ${(error as Error).message.split("\n")[0]}`);
    return Response.json({ error: "We could not check the signature right now. Try again in a moment." }, { status: 503 });
  }
  const { userId } = await ensureUserByWallet(db, address);
  const headers = await createSession(request, userId, "siwe", db);
  return Response.json({ user: { id: userId, walletAddress: address } }, { headers });
}

export async function loader() {
  return Response.json({ error: "Use POST with { message, signature }." }, { status: 405 });
}
