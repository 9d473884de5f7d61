import type { LoaderFunctionArgs } from "@remix-run/node";
import { attendeesCsv, ownedEvent, promoterResponse } from "~/services/promoter.server";
import { requireUser } from "~/services/session.server";
import { getDb } from "../../db/client.server";

/** GET /promoter/events/:slug/attendees.csv — the event's promoter (or an admin) only. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = await getDb();
  let event;
  try {
    event = await ownedEvent(db, user, params.slug ?? "");
  } catch (error) {
    return promoterResponse(error);
  }
  const body = await attendeesCsv(db, event);
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${event.slug}-attendees.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
