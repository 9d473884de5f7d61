import type { LoaderFunctionArgs } from "@remix-run/node";
import { CHAINS, env } from "~/env.server";
import { currentDeployment } from "~/services/chain.server";
import { getFraction } from "~/services/fractions.server";
import { getDb } from "../../db/client.server";

/**
 * GET /fractions/:id/status → { indexed, state }: whether the indexer knows these shares yet. The split dialog
 * polls it after the fractionalize transaction so it links to the shares page only once that page can show them.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const id = params.id ?? "";
  if (!/^\d{1,78}$/.test(id)) return Response.json({ error: "This shares id is not valid." }, { status: 400 });
  const deployment = currentDeployment();
  if (!deployment) return Response.json({ error: "The platform's contracts are not deployed on this chain yet." }, { status: 503 });
  const fraction = await getFraction(await getDb(), CHAINS[env().chain].id, deployment.fractions, id);
  return Response.json({ indexed: fraction !== null, state: fraction?.state ?? null }, { headers: { "cache-control": "no-store" } });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
