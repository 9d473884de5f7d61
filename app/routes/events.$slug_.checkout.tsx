import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { CardCheckoutForm } from "~/components/CardCheckoutForm";
import { formatEventDate } from "~/lib/format";
import { getEventBySlug } from "~/services/catalog.server";

/** /events/:slug/checkout — card checkout on a page of its own (also what the event page embeds). */

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Tickets for ${data.event.name} — TicketChain` : "Event not found — TicketChain" }];

export async function loader({ params }: LoaderFunctionArgs) {
  const slug = params.slug ?? "";
  if (!/^[a-z0-9-]{1,120}$/.test(slug)) throw new Response("This event address is not valid.", { status: 404 });
  const event = await getEventBySlug(slug);
  if (!event) throw new Response("We could not find this event.", { status: 404 });
  return { event };
}

export default function EventCheckout() {
  const { event } = useLoaderData<typeof loader>();
  return (
    <article className="mx-auto max-w-xl">
      <p className="text-sm">
        <Link to={`/events/${event.slug}`} className="text-zinc-600 underline">
          ← {event.name}
        </Link>
      </p>
      <h1 className="mt-2 text-2xl font-bold tracking-tight">Tickets for {event.name}</h1>
      <p className="text-zinc-700">
        {event.venue}, {event.city} · {formatEventDate(event.startsAt)}
      </p>
      <CardCheckoutForm eventSlug={event.slug} tiers={event.tiers} disabled={event.status === "cancelled"} />
    </article>
  );
}
