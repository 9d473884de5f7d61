import type { LoaderFunctionArgs } from "@remix-run/node";
import { eventManifest } from "~/services/door.server";
import { requireDoor } from "~/services/door-http.server";
import { getDb } from "../../db/client.server";

/**
 * GET /door/:eventSlug/manifest — the event's tickets for offline scanning (door staff only):
 * `{ event, tickets: [{ tokenId, owner, checkedIn, tier, seat }], generatedAt }`.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { event } = await requireDoor(request, params.eventSlug);
  return Response.json(await eventManifest(await getDb(), event), { headers: { "Cache-Control": "private, no-store" } });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
