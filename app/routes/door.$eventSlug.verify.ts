import type { ActionFunctionArgs } from "@remix-run/node";
import { verifyScan } from "~/services/door-http.server";
import { clientIp } from "~/services/rate-limits.server";
import { sessionToken } from "~/services/session.server";

/**
 * POST /door/:eventSlug/verify — JSON `{ pass, gate? }` from the scanner page.
 * 200 `{ ok, reason, ticket: { tokenId, tier, seat } | null }` (a refusal is a 200 with ok: false and the
 * reason to show); 400 for a body that is not a pass request; 401/403 for non-staff; 429 when too fast.
 * The production server answers this path in front of Express with the same `verifyScan`
 * (server/door-fast-path.ts); this route serves it in development and wherever the fast path declines.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405 });
  const answer = await verifyScan({
    token: sessionToken(request),
    slug: params.eventSlug,
    request: () => request,
    json: () => request.json(),
    clientIp: clientIp(context),
  });
  return answer instanceof Response ? answer : Response.json(answer.json, { status: answer.status });
}
