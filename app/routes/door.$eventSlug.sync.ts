import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { syncScans } from "~/services/door.server";
import { requireDoor } from "~/services/door-http.server";
import { getDb } from "../../db/client.server";

/**
 * POST /door/:eventSlug/sync — the scanner's queued offline scans, JSON
 * `{ scans: [{ id, pass, scannedAt, gate }] }` (at most 500 per call). 200 `{ results: [{ id, ok, conflict,
 * reason, tokenId }] }`: `conflict` marks a ticket the scanner let in offline that the server refuses
 * (typically let in at another gate first).
 */
const SyncSchema = z.object({
  scans: z
    .array(
      z.object({
        id: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, "Each scan needs an id."),
        pass: z.string().min(1).max(400),
        scannedAt: z.string().datetime({ message: "scannedAt must be an ISO date-time." }),
        gate: z.string().trim().max(40).default(""),
      }),
    )
    .min(1, "Nothing to sync.")
    .max(500, "Sync at most 500 scans at a time."),
});

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405 });
  const { user, event } = await requireDoor(request, params.eventSlug);
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: "Send JSON { scans }." }, { status: 400 });
  }
  const parsed = SyncSchema.safeParse(body);
  if (!parsed.success) return Response.json({ error: parsed.error.issues[0]!.message }, { status: 400 });
  return Response.json({ results: await syncScans(await getDb(), event, user.id, parsed.data.scans) });
}
