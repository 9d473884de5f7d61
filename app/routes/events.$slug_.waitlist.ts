import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { readForm } from "~/services/forms.server";
import { paymentsEndpoint } from "~/services/payments.server";
import { ResaleError } from "~/services/resale.server";
import { getUser } from "~/services/session.server";
import { joinWaitlist, leaveWaitlist, notifyOffers } from "~/services/waitlist.server";
import { getDb } from "../../db/client.server";
import { events } from "../../db/schema";

/**
 * POST /events/:slug/waitlist (form or JSON: `intent` = "join" | "leave") — the signed-in fan joins or leaves
 * the event's face-value waitlist. JSON callers get the fan's state (`{ enabled, waiting, entry }`, entry with
 * status and place in line); a browser form comes back to the event page (errors as ?waitlistError=…).
 * Signed out: 401 JSON, or the sign-in page for a form. 404 unknown event, 409 no waitlist / not on it.
 */

const Slug = z.string().regex(/^[a-z0-9-]{1,120}$/);
const Intent = z.object({ intent: z.enum(["join", "leave"], { message: 'Send intent "join" or "leave".' }) });

export async function loader() {
  return Response.json({ error: "Use POST to join or leave the waitlist." }, { status: 405, headers: { allow: "POST" } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405, headers: { allow: "POST" } });
  const wantsJson = (request.headers.get("accept") ?? "").includes("application/json") || (request.headers.get("content-type") ?? "").includes("application/json");
  const slug = Slug.safeParse(params.slug ?? "");
  const page = slug.success ? `/events/${slug.data}` : "/";
  const reply = (status: number, error: string) =>
    wantsJson ? Response.json({ error }, { status }) : redirect(`${page}?${new URLSearchParams({ waitlistError: error })}#waitlist`, 303);
  if (!slug.success) return Response.json({ error: "We could not find this event." }, { status: 404 });
  let fields: Record<string, unknown> = {};
  try {
    fields = (request.headers.get("content-type") ?? "").includes("application/json")
      ? ((await request.json()) as Record<string, unknown>)
      : Object.fromEntries(await readForm(request));
  } catch {
    return Response.json({ error: "Send a form or JSON with intent \"join\" or \"leave\"." }, { status: 400 });
  }
  const parsed = Intent.safeParse(fields && typeof fields === "object" && !Array.isArray(fields) ? fields : {});
  if (!parsed.success) return Response.json({ error: parsed.error.issues[0]!.message }, { status: 400 });
  const db = await getDb();
  const [event] = await db.select({ id: events.id, status: events.status }).from(events).where(eq(events.slug, slug.data));
  if (!event || event.status === "draft") return Response.json({ error: "We could not find this event." }, { status: 404 });
  const user = await getUser(request);
  if (!user) {
    if (wantsJson) return Response.json({ error: "Sign in first." }, { status: 401 });
    return redirect(`/login?${new URLSearchParams({ redirectTo: page })}`, 303);
  }
  try {
    const { state, offers } = parsed.data.intent === "join" ? await joinWaitlist(db, user, event.id) : await leaveWaitlist(db, user, event.id);
    await notifyOffers(db, offers, paymentsEndpoint(request).publicUrl);
    return wantsJson ? Response.json(state) : redirect(`${page}#waitlist`, 303);
  } catch (error) {
    if (error instanceof ResaleError) return reply(error.status, error.message);
    throw error;
  }
}
