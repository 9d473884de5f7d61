import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { scanPass } from "~/services/door.server";
import { requireDoorScan, scanLimit } from "~/services/door-http.server";
import { getDb } from "../../db/client.server";

/**
 * POST /door/:eventSlug/verify — JSON `{ pass, gate? }` from the scanner page.
 * 200 `{ ok, reason, ticket: { tokenId, tier, seat } | null }` (a refusal is a 200 with ok: false and the
 * reason to show); 400 for a body that is not a pass request; 401/403 for non-staff; 429 when too fast.
 */
const VerifySchema = z.object({
  pass: z.string({ required_error: "Send the pass text." }).min(1, "Send the pass text.").max(400, "Not a TicketChain pass"),
  gate: z.string().trim().max(40, "Gate names are at most 40 characters.").optional(),
});

export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405 });
  const started = performance.now();
  const { user, event } = await requireDoorScan(request, params.eventSlug);
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: "Send JSON { pass }." }, { status: 400 });
  }
  const parsed = VerifySchema.safeParse(body);
  if (!parsed.success) return Response.json({ error: parsed.error.issues[0]!.message }, { status: 400 });
  const limited = await scanLimit(user, context);
  if (limited) return limited;
  const result = await scanPass(await getDb(), event, { pass: parsed.data.pass, scannerId: user.id, gate: parsed.data.gate ?? "" });
  return Response.json({ ok: result.ok, reason: result.reason, ticket: result.ticket, elapsedMs: Math.round(performance.now() - started) });
}
