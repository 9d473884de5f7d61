import { Link, useLocation, useSearchParams } from "@remix-run/react";
import { WAITLIST_OFFER_MINUTES } from "~/lib/waitlist";

/** The event page's face-value waitlist panel: join, your place in line, an offer held for you, leave. */
export interface WaitlistPanelState {
  enabled: boolean;
  waiting: number;
  signedIn: boolean;
  entry: null | { id: string; status: "waiting" | "offered" | "bought" | "left" | "expired"; position: number | null; offerExpiresAt: string | null };
}

const primary =
  "rounded-lg bg-brand-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600";
const secondary =
  "rounded-lg border border-zinc-300 px-4 py-2 text-sm font-semibold text-zinc-800 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600";

export function WaitlistSection({ slug, state }: { slug: string; state: WaitlistPanelState }) {
  const [search] = useSearchParams();
  const location = useLocation();
  const error = search.get("waitlistError");
  const entry = state.entry;
  const inLine = entry?.status === "waiting" || entry?.status === "offered";
  const action = `/events/${slug}/waitlist`;
  return (
    <section id="waitlist" aria-labelledby="waitlist-heading" className="mt-8 rounded-xl border border-brand-100 bg-white p-4 shadow-sm sm:p-6">
      <h2 id="waitlist-heading" className="text-xl font-semibold">
        Face-value waitlist
      </h2>
      <p className="mt-1 text-sm text-zinc-600">
        When a fan sells a ticket to the waitlist, the first fan in line gets it at face value — never more — and has {WAITLIST_OFFER_MINUTES} minutes to buy it.
        We email you when it is your turn.
      </p>
      {error ? (
        <p role="alert" className="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <div className="mt-4 flex flex-wrap items-center justify-between gap-3">
        <div role="status" className="text-sm">
          {entry?.status === "offered" && entry.offerExpiresAt ? (
            <p className="font-semibold text-emerald-900">
              A ticket is held for you until <time dateTime={entry.offerExpiresAt}>{new Date(entry.offerExpiresAt).toISOString().slice(11, 16)} UTC</time>.
            </p>
          ) : entry?.status === "waiting" && entry.position !== null ? (
            <p className="text-lg font-semibold" data-testid="waitlist-position">
              You are #{entry.position} in line
            </p>
          ) : entry?.status === "expired" ? (
            <p className="text-zinc-700">Your offer expired and went to the next fan. Join again to get back in line.</p>
          ) : entry?.status === "bought" ? (
            <p className="text-zinc-700">You bought a ticket from the waitlist. Join again for another one.</p>
          ) : (
            <p className="text-zinc-700">
              {state.waiting === 0 ? "Nobody is waiting yet." : `${state.waiting} ${state.waiting === 1 ? "fan is" : "fans are"} waiting.`}
            </p>
          )}
        </div>
        <div className="flex flex-wrap gap-2">
          {entry?.status === "offered" ? (
            <Link to={`/waitlist/offers/${entry.id}`} className={primary}>
              Buy the ticket held for you
            </Link>
          ) : null}
          {!state.signedIn ? (
            <Link to={`/login?${new URLSearchParams({ redirectTo: location.pathname })}`} className={primary}>
              Sign in to join the waitlist
            </Link>
          ) : inLine ? (
            <form method="post" action={action}>
              <input type="hidden" name="intent" value="leave" />
              <button type="submit" className={secondary}>
                Leave the waitlist
              </button>
            </form>
          ) : (
            <form method="post" action={action}>
              <input type="hidden" name="intent" value="join" />
              <button type="submit" className={primary}>
                Join the waitlist
              </button>
            </form>
          )}
        </div>
      </div>
    </section>
  );
}
