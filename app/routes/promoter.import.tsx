import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { EventEditor, type EditorDefaults } from "~/components/promoter/EventEditor";
import { FieldError, input, primaryButton } from "~/components/promoter/ui";
import { env } from "~/env.server";
import { chainContext } from "~/services/promoter-context.server";
import { requireRole } from "~/services/session.server";
import { eventFromPastedJson, fetchDiscoveryEvent, TicketmasterError, type ImportedEvent } from "~/services/ticketmaster.server";
import { readForm } from "~/services/forms.server";

export const meta: MetaFunction = () => [{ title: "Import from Ticketmaster — TicketChain" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "promoter");
  const ctx = await chainContext();
  return { withApi: Boolean(env().TICKETMASTER_API_KEY), chainName: ctx.chainName, coin: ctx.coin, rateText: ctx.rateText };
}

const cents = (n: number) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, "0")}`;

/** A Discovery API event as the editor's defaults: the promoter still sets supply (and checks prices). */
function toDefaults(event: ImportedEvent): EditorDefaults {
  const usd = event.tiers.filter((t) => t.currency.toUpperCase() === "USD");
  return {
    name: event.name.slice(0, 120),
    venue: event.venue,
    city: event.city,
    startsAt: event.startsAt.toISOString().slice(0, 16),
    imageUrl: event.imageUrl ?? "",
    description: event.description,
    tiers: (usd.length ? usd : [{ name: "General Admission", priceCents: 0, currency: "USD" }]).map((t) => ({
      name: t.name,
      price: t.priceCents ? cents(t.priceCents) : "",
      coin: "",
      supply: "",
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  await requireRole(request, "promoter");
  const form = await readForm(request);
  const source = String(form.get("source") ?? "").trim();
  if (!source) return Response.json({ error: "Paste the event's JSON or enter its id." }, { status: 400 });
  try {
    const apiKey = env().TICKETMASTER_API_KEY;
    const event = source.startsWith("{")
      ? eventFromPastedJson(source)
      : apiKey
        ? await fetchDiscoveryEvent(source, { apiKey, baseUrl: env().TICKETMASTER_API_URL })
        : (() => {
            throw new TicketmasterError("Without a Ticketmaster API key, paste the event's JSON as the Discovery API returns it.", 400);
          })();
    const foreign = event.tiers.filter((t) => t.currency.toUpperCase() !== "USD").map((t) => `${t.name} (${t.currency})`);
    return {
      defaults: toDefaults(event),
      note: `Imported “${event.name}” from Ticketmaster${event.externalUrl ? ` (${event.externalUrl})` : ""}. Set the number of tickets per tier${foreign.length ? ` and the prices (not in USD: ${foreign.join(", ")})` : ""}, then save the draft.`,
    };
  } catch (error) {
    if (error instanceof TicketmasterError) return Response.json({ error: error.message }, { status: error.status });
    throw error;
  }
}

export default function ImportEvent() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ defaults?: EditorDefaults; note?: string; error?: string }>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="mx-auto max-w-3xl">
      <nav aria-label="Breadcrumb" className="text-sm text-zinc-600">
        <Link to="/promoter" className="hover:text-brand-700">
          My events
        </Link>{" "}
        / Import
      </nav>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">Import from Ticketmaster</h1>
      {result?.defaults ? (
        <>
          <p role="status" className="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
            {result.note}
          </p>
          <div className="mt-6">
            <EventEditor defaults={result.defaults} errors={{}} chainName={data.chainName} coin={data.coin} rateText={data.rateText} />
          </div>
        </>
      ) : (
        <Form method="post" className="mt-6 space-y-4 rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6">
          <label htmlFor="f-source" className="text-sm font-medium text-zinc-800">
            {data.withApi ? "Ticketmaster event id or URL (or paste the event's JSON)" : "The event's JSON from the Discovery API"}
          </label>
          {data.withApi ? null : (
            <p className="text-sm text-zinc-600">
              No Ticketmaster API key is configured (TICKETMASTER_API_KEY), so paste the response of{" "}
              <code>GET /discovery/v2/events/&lt;id&gt;.json</code>.
            </p>
          )}
          <textarea
            id="f-source"
            name="source"
            rows={data.withApi ? 3 : 10}
            required
            className={`${input} font-mono`}
            aria-invalid={result?.error ? true : undefined}
            aria-describedby={result?.error ? "e-source" : undefined}
          />
          <FieldError id="e-source" message={result?.error} />
          <button type="submit" className={primaryButton} disabled={busy}>
            {busy ? "Reading…" : "Import"}
          </button>
        </Form>
      )}
    </div>
  );
}
