import type { MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatCents, formatEventDate } from "~/lib/format";
import { listPublishedEvents } from "~/services/catalog.server";

export const meta: MetaFunction = () => [
  { title: "TicketChain — concert tickets you really own" },
  { name: "description", content: "Buy, resell and split concert tickets as NFTs, by card or by wallet." },
];

export async function loader() {
  return { events: await listPublishedEvents() };
}

export default function Index() {
  const { events } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1 className="text-3xl font-bold tracking-tight">Upcoming events</h1>
      <p className="mt-1 text-zinc-600">Tickets are NFTs: pay by card or with your wallet, resell at fair prices.</p>
      {events.length === 0 ? (
        <p className="mt-8 rounded-lg border border-dashed border-zinc-300 p-8 text-center text-zinc-600">
          No events on sale yet.
        </p>
      ) : (
        <ul className="mt-6 grid gap-4 sm:grid-cols-2" aria-label="Events">
          {events.map((event) => (
            <li key={event.id}>
              <Link
                to={`/events/${event.slug}`}
                className="block overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-sm transition hover:shadow-md focus-visible:outline-2 focus-visible:outline-brand-600"
              >
                {event.imageUrl ? <img src={event.imageUrl} alt="" className="h-36 w-full object-cover" /> : null}
                <div className="p-4">
                  <h2 className="text-lg font-semibold">{event.name}</h2>
                  <p className="text-sm text-zinc-600">
                    {event.venue}, {event.city}
                  </p>
                  <p className="text-sm text-zinc-600">{formatEventDate(event.startsAt)}</p>
                  <p className="mt-2 text-sm font-medium">
                    {event.remaining === 0
                      ? "Sold out"
                      : `From ${event.fromPriceCents === null ? "—" : formatCents(event.fromPriceCents)} · ${event.remaining} left`}
                  </p>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
