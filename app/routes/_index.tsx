import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import type { EventSummary } from "~/services/catalog.server";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { formatCents, formatEventDate } from "~/lib/format";
import { eventCities, eventSearchSchema, searchEvents } from "~/services/catalog.server";

export const meta: MetaFunction = () => [
  { title: "TicketChain — concert tickets you really own" },
  { name: "description", content: "Buy, resell and split concert tickets as NFTs, by card or by wallet." },
];

/** Home: upcoming events, searchable by words (PostgreSQL full-text search), city and dates. */
export async function loader({ request }: LoaderFunctionArgs) {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = eventSearchSchema.safeParse(params);
  const cities = await eventCities();
  if (!parsed.success) {
    const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
    const shown = { q: params.q, city: params.city, from: params.from, to: params.to };
    return json({ events: [] as EventSummary[], cities, search: shown, errors, searching: true }, { status: 400 });
  }
  const search = parsed.data;
  const searching = Boolean(search.q || search.city || search.from || search.to);
  return json({ events: await searchEvents(search), cities, search, errors: {} as Record<string, string>, searching });
}

const input =
  "mt-1 block w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30";

export default function Index() {
  const { events, cities, search, errors, searching } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state === "loading" && navigation.location?.pathname === "/";
  return (
    <div>
      <h1 className="text-3xl font-bold tracking-tight">Upcoming events</h1>
      <p className="mt-1 text-zinc-600">Tickets are NFTs: pay by card or with your wallet, resell at fair prices.</p>

      <Form method="get" role="search" aria-label="Find events" className="mt-6 grid gap-3 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm sm:grid-cols-[2fr_1fr_1fr_1fr_auto] sm:items-end">
        <div>
          <label htmlFor="q" className="text-sm font-medium text-zinc-800">
            Artist, event or venue
          </label>
          <input id="q" name="q" type="search" maxLength={100} defaultValue={search.q ?? ""} placeholder="e.g. Aurora" className={input} aria-invalid={errors.q ? true : undefined} />
        </div>
        <div>
          <label htmlFor="city" className="text-sm font-medium text-zinc-800">
            City
          </label>
          <select id="city" name="city" defaultValue={search.city ?? ""} className={input}>
            <option value="">Anywhere</option>
            {cities.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="from" className="text-sm font-medium text-zinc-800">
            From
          </label>
          <input id="from" name="from" type="date" defaultValue={search.from ?? ""} className={input} aria-invalid={errors.from ? true : undefined} />
        </div>
        <div>
          <label htmlFor="to" className="text-sm font-medium text-zinc-800">
            To
          </label>
          <input id="to" name="to" type="date" defaultValue={search.to ?? ""} className={input} aria-invalid={errors.to ? true : undefined} />
        </div>
        <button type="submit" className="rounded-lg bg-brand-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600">
          {busy ? "Searching…" : "Search"}
        </button>
      </Form>
      {Object.keys(errors).length ? (
        <ul role="alert" className="mt-3 rounded-lg bg-red-50 p-3 text-sm text-red-800">
          {Object.entries(errors).map(([field, message]) => (
            <li key={field}>{message}</li>
          ))}
        </ul>
      ) : null}

      {events.length === 0 ? (
        <p className="mt-8 rounded-lg border border-dashed border-zinc-300 p-8 text-center text-zinc-600">
          {searching ? (
            <>
              No events match your search. <Link to="/" className="font-medium text-brand-700 underline">Show all events</Link>
            </>
          ) : (
            "No events on sale yet."
          )}
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
