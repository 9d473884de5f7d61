import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { EVENT_CACHE_MS, publicEvent } from "~/services/catalog.server";

/**
 * GET /api/events/:slug — an event's public data as JSON: the event, its tiers with the card price
 * (integer cents), the face value on chain (integer wei, decimal string) and the seats left. Served from
 * the database through the shared cache; browsers and CDNs may reuse it for a couple of seconds.
 * An unknown (or malformed) slug answers 404 with `{ "error": … }`.
 */

const Slug = z.string().regex(/^[a-z0-9-]{1,120}$/);
const CACHE_CONTROL = `public, max-age=${Math.round(EVENT_CACHE_MS / 1000)}, stale-while-revalidate=10`;

export async function loader({ params }: LoaderFunctionArgs) {
  const slug = Slug.safeParse(params.slug ?? "");
  const event = slug.success ? await publicEvent(slug.data) : null;
  if (!event) return Response.json({ error: "We could not find this event." }, { status: 404, headers: { "cache-control": "no-store" } });
  return Response.json(event, { headers: { "cache-control": CACHE_CONTROL } });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
