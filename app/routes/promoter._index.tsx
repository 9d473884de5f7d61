import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { primaryButton, secondaryButton, StatusBadge } from "~/components/promoter/ui";
import { formatEventDate } from "~/lib/format";
import { listPromoterEvents } from "~/services/promoter.server";
import { requireRole } from "~/services/session.server";
import { getDb } from "../../db/client.server";

export const meta: MetaFunction = () => [{ title: "My events — TicketChain" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "promoter");
  const rows = await listPromoterEvents(await getDb(), user);
  return { events: rows.map((e) => ({ ...e, startsAt: e.startsAt.toISOString() })) };
}

export default function PromoterEvents() {
  const { events } = useLoaderData<typeof loader>();
  return (
    <div>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-3xl font-bold tracking-tight">My events</h1>
          <p className="mt-1 text-zinc-600">Drafts, shows on sale and past shows.</p>
        </div>
        <div className="flex gap-3">
          <Link to="/promoter/import" className={secondaryButton}>
            Import from Ticketmaster
          </Link>
          <Link to="/promoter/events/new" className={primaryButton}>
            New event
          </Link>
        </div>
      </div>
      {events.length === 0 ? (
        <p className="mt-8 rounded-2xl border border-dashed border-zinc-300 bg-white p-8 text-center text-zinc-600">
          No events yet. Create your first one.
        </p>
      ) : (
        <ul className="mt-8 divide-y divide-zinc-100 overflow-hidden rounded-2xl border border-zinc-200 bg-white shadow-sm">
          {events.map((e) => (
            <li key={e.id}>
              <Link to={`/promoter/events/${e.slug}`} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-4 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-brand-600 sm:px-6">
                <span className="min-w-0 flex-1">
                  <span className="block font-semibold">{e.name}</span>
                  <span className="block text-sm text-zinc-600">
                    {e.venue}, {e.city} · {formatEventDate(e.startsAt)}
                  </span>
                </span>
                <span className="text-sm tabular-nums text-zinc-700">
                  {e.sold} / {e.supply} sold
                </span>
                <StatusBadge status={e.status} />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
