import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Dialog, DialogPanel, DialogTitle } from "@headlessui/react";
import { Link, useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import type { Address, Hash } from "viem";
import { z } from "zod";
import { SalesChart } from "~/components/promoter/SalesChart";
import { dangerButton, FieldError, input, secondaryButton, StatusBadge } from "~/components/promoter/ui";
import { formatCents, formatEventDate, formatWei } from "~/lib/format";
import { currentDeployment, publicClient } from "~/services/chain.server";
import { chainContext } from "~/services/promoter-context.server";
import {
  addStaff,
  dashboard,
  listStaff,
  ownedEvent,
  PromoterError,
  chainClock,
  proceedsHeld,
  promoterResponse,
  recordPublishSubmitted,
  settlePublication,
  type PublishStage,
} from "~/services/promoter.server";
import { requireUser } from "~/services/session.server";
import { getDb } from "../../db/client.server";
import { readForm } from "~/services/forms.server";
import { WAITLIST_OFFER_MINUTES } from "~/lib/waitlist";
import { setWaitlistEnabled, waitlistState } from "~/services/waitlist.server";

/** Chain writes (wagmi + RainbowKit) load after hydration, in their own chunk. */
const ChainAction = lazy(() => import("~/components/promoter/ChainAction.client"));

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.event.name} · Dashboard — TicketChain` : "Dashboard — TicketChain" }];

async function load(request: Request, slug: string | undefined) {
  const user = await requireUser(request);
  const db = await getDb();
  try {
    return { user, db, event: await ownedEvent(db, user, slug ?? "") };
  } catch (error) {
    throw promoterResponse(error);
  }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user, db, event: initial } = await load(request, params.slug);
  const ctx = await chainContext();
  const deployment = currentDeployment();
  let publication: { stage: PublishStage; error?: string } = { stage: initial.status === "draft" ? "draft" : "indexed" };
  if (deployment && (initial.status === "draft" ? initial.publishTxHash : true)) {
    publication = await settlePublication(db, publicClient(), deployment.factory, initial);
  }
  const event = publication.stage === "draft" || initial.status !== "draft" ? initial : await ownedEvent(db, user, initial.slug);
  const [dash, proceeds, staff, waitlist, chainNow] = await Promise.all([
    dashboard(db, event),
    deployment ? proceedsHeld(publicClient(), deployment.escrow, event.contractAddress) : Promise.resolve(null),
    listStaff(db, event.id),
    waitlistState(db, event.id, user.id),
    deployment ? chainClock(publicClient()) : Promise.resolve(null),
  ]);
  const origin = new URL(request.url).origin;
  return {
    event: {
      id: event.id,
      slug: event.slug,
      name: event.name,
      venue: event.venue,
      city: event.city,
      startsAt: event.startsAt.toISOString(),
      status: event.status,
      onChainId: event.onChainId,
      contractAddress: event.contractAddress,
      royaltyBps: event.royaltyBps ?? 0,
      resaleCapBps: event.resaleCapBps ?? 0,
      publishTxHash: event.publishTxHash,
      tiers: event.tiers,
      waitlistEnabled: event.waitlistEnabled,
    },
    waitlistWaiting: waitlist.waiting,
    publication,
    dashboard: dash,
    proceedsWei: proceeds === null ? null : proceeds.toString(),
    staff: staff.map((s) => ({ ...s, addedAt: s.addedAt.toISOString() })),
    wallet: user.walletAddress,
    chain: { id: ctx.chainId, name: ctx.chainName, coin: ctx.coin },
    contracts: deployment ? { factory: deployment.factory, escrow: deployment.escrow } : null,
    metadataBase: `${origin}/metadata/${ctx.chainId}/`,
    // The later of the server's clock and the chain's (the escrow checks block.timestamp).
    now: Math.max(Date.now(), chainNow ?? 0),
  };
}

const Intent = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("publish-submitted"), txHash: z.string() }),
  z.object({ intent: z.literal("add-staff"), staff: z.string().max(254) }),
  z.object({ intent: z.literal("waitlist"), enabled: z.enum(["true", "false"]) }),
]);

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, event } = await load(request, params.slug);
  const parsed = Intent.safeParse(Object.fromEntries(await readForm(request)));
  if (!parsed.success) return Response.json({ error: "Unknown action." }, { status: 400 });
  try {
    if (parsed.data.intent === "publish-submitted") {
      await recordPublishSubmitted(db, event, parsed.data.txHash);
      return { ok: true as const, intent: "publish-submitted" };
    }
    if (parsed.data.intent === "waitlist") {
      if (event.status !== "published") throw new PromoterError(409, "Publish the event before opening a waitlist.");
      await setWaitlistEnabled(db, event.id, parsed.data.enabled === "true");
      return { ok: true as const, intent: "waitlist", enabled: parsed.data.enabled === "true" };
    }
    if (event.status !== "published" || !event.onChainId) throw new PromoterError(409, "Publish the event before adding door staff.", { staff: "Publish the event first." });
    const { address } = await addStaff(db, event.id, parsed.data.staff);
    return { ok: true as const, intent: "add-staff", address };
  } catch (error) {
    return promoterResponse(error);
  }
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

function useHydrated() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

function WalletSlot(props: Omit<React.ComponentProps<typeof ChainAction>, "chainId" | "chainName" | "expectedWallet"> & { data: Data }) {
  const hydrated = useHydrated();
  const { data, ...rest } = props;
  if (!hydrated) return <p className="text-sm text-zinc-600">Loading your wallet…</p>;
  return (
    <Suspense fallback={<p className="text-sm text-zinc-600" aria-busy="true">Loading your wallet…</p>}>
      <ChainAction {...rest} chainId={data.chain.id} chainName={data.chain.name} expectedWallet={data.wallet} />
    </Suspense>
  );
}

export default function EventDashboard() {
  const data = useLoaderData<typeof loader>();
  const { event, publication, dashboard: dash, chain } = data;
  const revalidator = useRevalidator();
  const [cancelSent, setCancelSent] = useState(false);
  // A page that watched the publication keeps its progress view (ending on "Live") until the next visit.
  const [followedPublication] = useState(publication.stage !== "indexed");
  const following = publication.stage === "submitted" || publication.stage === "confirmed" || (cancelSent && event.status !== "cancelled");

  // Follow a transaction quickly; otherwise refresh the live numbers (check-ins) every 10 s.
  useEffect(() => {
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), following ? 1000 : 10_000);
    return () => clearInterval(timer);
  }, [following, revalidator]);

  return (
    <div className="space-y-8">
      <div>
        <nav aria-label="Breadcrumb" className="text-sm text-zinc-600">
          <Link to="/promoter" className="hover:text-brand-700">
            My events
          </Link>{" "}
          / {event.name}
        </nav>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-3xl font-bold tracking-tight">{event.name}</h1>
          <StatusBadge status={event.status} />
        </div>
        <p className="mt-1 text-zinc-700">
          {event.venue}, {event.city} · <time dateTime={event.startsAt}>{formatEventDate(event.startsAt)}</time> · {chain.name}
        </p>
        {event.status !== "draft" ? (
          <p className="mt-2 text-sm">
            <Link to={`/events/${event.slug}`} className="font-semibold text-brand-700 hover:underline">
              View the public page
            </Link>
            {event.contractAddress ? <span className="ml-3 font-mono text-xs text-zinc-500">{event.contractAddress}</span> : null}
          </p>
        ) : null}
      </div>

      {event.status === "draft" || publication.stage !== "indexed" || followedPublication ? <PublishPanel data={data} /> : null}

      {event.status !== "draft" ? (
        <>
          <Stats data={data} />
          <section aria-labelledby="sales-heading" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6">
            <h2 id="sales-heading" className="text-lg font-semibold">
              Tickets sold per tier
            </h2>
            <div className="mt-4">
              <SalesChart tiers={dash.tiers} now={data.now} />
            </div>
            <table className="mt-6 w-full text-left text-sm">
              <thead className="text-zinc-600">
                <tr>
                  <th scope="col" className="py-2 font-medium">Tier</th>
                  <th scope="col" className="py-2 font-medium">Face value</th>
                  <th scope="col" className="py-2 text-right font-medium">Sold</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100">
                {event.tiers.map((tier) => (
                  <tr key={tier.id}>
                    <td className="py-2 font-medium">{tier.name}</td>
                    <td className="py-2">
                      {formatCents(tier.priceCents)} · {formatWei(tier.priceWei, chain.coin)}
                    </td>
                    <td className="py-2 text-right tabular-nums" data-testid={`sold-${tier.position}`}>
                      {tier.sold} of {tier.supply}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <a href={`/promoter/events/${event.slug}/attendees.csv`} className={`${secondaryButton} mt-4`} download>
              Export attendees (CSV)
            </a>
          </section>
          {event.status === "published" ? <Waitlist data={data} /> : null}
          <div className="grid gap-6 md:grid-cols-2">
            <Proceeds data={data} />
            <Staff data={data} />
          </div>
          {event.status === "published" ? <CancelEvent data={data} onSent={() => setCancelSent(true)} /> : null}
          {event.status === "cancelled" ? (
            <p role="status" className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900">
              This event is cancelled. Card orders are refunded automatically; fans who paid with a wallet claim their refund from the escrow
              on My tickets ({dash.refunds.claimed} claimed so far).
            </p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

const STEPS: { stage: PublishStage; title: string; detail: string }[] = [
  { stage: "submitted", title: "Submitted", detail: "Your wallet sent the transaction." },
  { stage: "confirmed", title: "Confirmed", detail: "The network mined it; the event contract exists." },
  { stage: "indexed", title: "Live", detail: "TicketChain has read it: the event page is on sale." },
];

function PublishPanel({ data }: { data: Data }) {
  const { event, publication, contracts } = data;
  const fetcher = useFetcher();
  const [sentHash, setSentHash] = useState<string | null>(null);
  const onSubmitted = useCallback(
    (hash: Hash) => {
      setSentHash(hash);
      fetcher.submit({ intent: "publish-submitted", txHash: hash }, { method: "post" });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );
  const stage: PublishStage = publication.stage === "draft" && sentHash ? "submitted" : publication.stage;
  const reached = (s: PublishStage) => ["submitted", "confirmed", "indexed"].indexOf(stage) >= ["submitted", "confirmed", "indexed"].indexOf(s);
  const showSteps = stage !== "draft" && stage !== "failed";

  return (
    <section aria-labelledby="publish-heading" className="rounded-2xl border border-brand-100 bg-white p-5 shadow-sm sm:p-6">
      <h2 id="publish-heading" className="text-lg font-semibold">
        {showSteps ? "Publishing on " + data.chain.name : "Ready to publish?"}
      </h2>
      {!showSteps ? (
        <>
          <ul className="mt-3 space-y-1 text-sm text-zinc-700">
            {event.tiers.map((t) => (
              <li key={t.id}>
                <strong>{t.name}</strong>: {t.supply} tickets at {formatWei(t.priceWei, data.chain.coin)} ({formatCents(t.priceCents)})
              </li>
            ))}
            <li>
              Royalty {event.royaltyBps / 100} % on resales · resale cap {event.resaleCapBps ? `${event.resaleCapBps / 100} % of face value` : "none"}
            </li>
          </ul>
          <p className="mt-3 text-sm text-zinc-600">
            Publishing creates the event's ticket contract from your wallet (you pay the network fee) and makes you its promoter on chain. Prices,
            supply and terms cannot be changed afterwards.
          </p>
          {publication.error ? (
            <p role="alert" className="mt-3 rounded-lg bg-red-50 p-3 text-sm text-red-800">
              {publication.error}
            </p>
          ) : null}
          <div className="mt-4">
            {contracts ? (
              <WalletSlot
                data={data}
                label={`Publish on ${data.chain.name}`}
                spec={{
                  kind: "publish",
                  factory: contracts.factory as Address,
                  input: {
                    name: event.name,
                    startsAt: String(Math.floor(new Date(event.startsAt).getTime() / 1000)),
                    royaltyBps: event.royaltyBps,
                    resaleCapBps: event.resaleCapBps,
                    tiers: event.tiers.map((t) => ({ price: t.priceWei, supply: t.supply })),
                    metadataBase: data.metadataBase,
                  },
                }}
                onSubmitted={onSubmitted}
              />
            ) : (
              <p className="text-sm text-red-800">The platform's contracts are not deployed on this chain.</p>
            )}
          </div>
        </>
      ) : (
        <ol className="mt-4 grid gap-3 sm:grid-cols-3" data-testid="publish-progress">
          {STEPS.map((step) => {
            const done = reached(step.stage);
            const current = !done && STEPS[STEPS.findIndex((s) => s.stage === step.stage) - 1] && reached(STEPS[STEPS.findIndex((s) => s.stage === step.stage) - 1]!.stage);
            return (
              <li
                key={step.stage}
                aria-current={current ? "step" : undefined}
                className={`rounded-xl border p-3 text-sm ${done ? "border-emerald-300 bg-emerald-50 text-emerald-900" : current ? "border-brand-200 bg-brand-50 text-brand-900" : "border-zinc-200 text-zinc-500"}`}
              >
                <p className="flex items-center gap-2 font-semibold">
                  {done ? <span aria-hidden="true">✓</span> : current ? <span aria-hidden="true" className="size-3 animate-spin rounded-full border-2 border-current border-t-transparent" /> : <span aria-hidden="true">○</span>}
                  {step.title}
                  <span className="sr-only">{done ? " (done)" : current ? " (in progress)" : " (waiting)"}</span>
                </p>
                <p className="mt-1">{step.detail}</p>
              </li>
            );
          })}
        </ol>
      )}
      {showSteps && (sentHash ?? event.publishTxHash) ? (
        <p className="mt-3 text-xs text-zinc-500">
          Transaction <code className="break-all">{sentHash ?? event.publishTxHash}</code>
        </p>
      ) : null}
    </section>
  );
}

function Stat({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId?: string }) {
  return (
    <div className="rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm">
      <dt className="text-sm text-zinc-600">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
      {detail ? <dd className="mt-0.5 text-xs text-zinc-500">{detail}</dd> : null}
    </div>
  );
}

function Stats({ data }: { data: Data }) {
  const { dashboard: d, chain } = data;
  const sold = data.event.tiers.reduce((n, t) => n + t.sold, 0);
  const supply = data.event.tiers.reduce((n, t) => n + t.supply, 0);
  return (
    <dl className="grid grid-cols-2 gap-3 lg:grid-cols-5">
      <Stat label="Tickets sold" value={`${sold} / ${supply}`} testId="stat-sold" />
      <Stat label="Card revenue" value={formatCents(d.card.paidCents)} detail={`${d.card.ticketsSold} tickets${d.card.refundedCents ? ` · ${formatCents(d.card.refundedCents)} refunded` : ""}`} testId="stat-card" />
      <Stat label="Wallet revenue" value={formatWei(d.crypto.paidWei, chain.coin)} detail={`${d.crypto.ticketsSold} tickets (primary)`} testId="stat-crypto" />
      <Stat label="Resale royalties" value={formatWei(d.royalties.wei, chain.coin)} detail={`${d.royalties.resales} resales`} testId="stat-royalties" />
      <Stat label="Checked in" value={`${d.checkIns.checkedIn} / ${d.checkIns.total}`} detail="live" testId="stat-checkins" />
    </dl>
  );
}

function Proceeds({ data }: { data: Data }) {
  const { event, contracts, chain } = data;
  const started = new Date(event.startsAt).getTime() <= data.now;
  const held = data.proceedsWei;
  const revalidator = useRevalidator();
  return (
    <section aria-labelledby="proceeds-heading" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6">
      <h2 id="proceeds-heading" className="text-lg font-semibold">
        Wallet proceeds
      </h2>
      <p className="mt-2 text-3xl font-semibold tabular-nums" data-testid="proceeds-held">
        {held === null ? "—" : formatWei(held, chain.coin)}
      </p>
      <p className="mt-1 text-sm text-zinc-600">
        Held by the platform's escrow contract until the show starts{event.status === "cancelled" ? "; the event was cancelled, so they fund the buyers' refunds" : ""}. Card
        revenue is paid out through Stripe.
      </p>
      {event.status === "published" && contracts && event.contractAddress && held !== null && BigInt(held) > 0n ? (
        <div className="mt-4">
          {started ? (
            <WalletSlot
              data={data}
              label="Withdraw to my wallet"
              spec={{ kind: "withdraw", escrow: contracts.escrow as Address, contract: event.contractAddress as Address }}
              onConfirmed={() => revalidator.revalidate()}
            />
          ) : (
            <p className="text-sm text-zinc-700">You can withdraw once the show has started ({formatEventDate(event.startsAt)}).</p>
          )}
        </div>
      ) : null}
    </section>
  );
}

function Staff({ data }: { data: Data }) {
  const { event, contracts } = data;
  const fetcher = useFetcher<{ ok?: boolean; address?: string; error?: string; fieldErrors?: Record<string, string> }>();
  const added = fetcher.data?.ok ? fetcher.data.address : null;
  return (
    <section aria-labelledby="staff-heading" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6">
      <h2 id="staff-heading" className="text-lg font-semibold">
        Door staff
      </h2>
      <ul className="mt-3 divide-y divide-zinc-100 text-sm">
        {data.staff.length === 0 ? <li className="py-2 text-zinc-600">Nobody yet.</li> : null}
        {data.staff.map((s) => (
          <li key={s.userId} className="py-2">
            <span className="font-medium">{s.email ?? s.displayName}</span>
            {s.address ? <span className="ml-2 font-mono text-xs text-zinc-500">{s.address}</span> : null}
          </li>
        ))}
      </ul>
      {event.status === "published" ? (
        <fetcher.Form method="post" className="mt-4 space-y-2">
          <input type="hidden" name="intent" value="add-staff" />
          <label htmlFor="f-staff" className="text-sm font-medium text-zinc-800">
            Wallet address or email
          </label>
          <div className="flex gap-2">
            <input
              id="f-staff"
              name="staff"
              required
              className={input}
              aria-invalid={fetcher.data?.fieldErrors?.staff ? true : undefined}
              aria-describedby={fetcher.data?.fieldErrors?.staff ? "e-staff" : undefined}
            />
            <button type="submit" className={`${secondaryButton} mt-1 shrink-0`} disabled={fetcher.state !== "idle"}>
              Add
            </button>
          </div>
          <FieldError id="e-staff" message={fetcher.data?.fieldErrors?.staff ?? (fetcher.data && !fetcher.data.ok ? fetcher.data.error : undefined)} />
        </fetcher.Form>
      ) : null}
      {added && contracts && event.onChainId ? (
        <div className="mt-4 rounded-lg bg-zinc-50 p-3 text-sm">
          <p className="mb-2 text-zinc-700">
            Now let <span className="font-mono">{added}</span> check tickets in on chain (scannerRole for this event):
          </p>
          <WalletSlot
            key={added}
            data={data}
            label="Grant scanner role"
            spec={{ kind: "grant", factory: contracts.factory as Address, onChainId: event.onChainId, scanner: added as Address }}
          />
        </div>
      ) : null}
    </section>
  );
}

function Waitlist({ data }: { data: Data }) {
  const fetcher = useFetcher<{ ok?: boolean; error?: string }>();
  // Optimistic: the switch shows the state being sent; the loader's value once it is saved.
  const pending = fetcher.formData?.get("enabled");
  const on = pending ? pending === "true" : data.event.waitlistEnabled;
  const error = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? fetcher.data.error : undefined;
  return (
    <section aria-labelledby="waitlist-heading" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="max-w-prose">
          <h2 id="waitlist-heading" className="text-lg font-semibold">
            Face-value waitlist
          </h2>
          <p className="mt-1 text-sm text-zinc-600">
            Fans who cannot go sell their ticket to the first fan in line at its face value instead of on the open resale market. Each
            ticket is held {WAITLIST_OFFER_MINUTES} minutes for that fan, then offered to the next. <span data-testid="waitlist-waiting">{data.waitlistWaiting}</span>{" "}
            {data.waitlistWaiting === 1 ? "fan is" : "fans are"} waiting.
          </p>
        </div>
        <fetcher.Form method="post">
          <input type="hidden" name="intent" value="waitlist" />
          <input type="hidden" name="enabled" value={on ? "false" : "true"} />
          <button
            type="submit"
            role="switch"
            aria-checked={on}
            aria-labelledby="waitlist-heading"
            disabled={fetcher.state !== "idle"}
            className="group inline-flex items-center gap-3 rounded-full focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60"
          >
            <span className={`relative inline-flex h-6 w-11 items-center rounded-full transition ${on ? "bg-brand-700" : "bg-zinc-300"}`}>
              <span aria-hidden="true" className={`inline-block size-5 rounded-full bg-white shadow transition ${on ? "translate-x-5" : "translate-x-0.5"}`} />
            </span>
            <span className="text-sm font-semibold" aria-hidden="true">
              {on ? "On" : "Off"}
            </span>
          </button>
        </fetcher.Form>
      </div>
      <FieldError id="e-waitlist" message={error} />
    </section>
  );
}

function CancelEvent({ data, onSent }: { data: Data; onSent(): void }) {
  const [open, setOpen] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  const { event } = data;
  return (
    <section aria-labelledby="cancel-heading" className="rounded-2xl border border-red-200 bg-white p-5 shadow-sm sm:p-6">
      <h2 id="cancel-heading" className="text-lg font-semibold text-red-900">
        Cancel the event
      </h2>
      <p className="mt-1 text-sm text-zinc-700">Every buyer gets their money back: card orders automatically, wallet buyers from the escrow.</p>
      {confirmed && event.contractAddress ? (
        <div className="mt-4">
          <WalletSlot data={data} danger label="Cancel on chain" spec={{ kind: "cancel", contract: event.contractAddress as Address }} onSubmitted={onSent} />
        </div>
      ) : (
        <button type="button" className={`${dangerButton} mt-4`} onClick={() => setOpen(true)}>
          Cancel event…
        </button>
      )}
      <Dialog open={open} onClose={() => setOpen(false)} className="relative z-50">
        <div className="fixed inset-0 bg-black/40" aria-hidden="true" />
        <div className="fixed inset-0 flex items-center justify-center p-4">
          <DialogPanel className="w-full max-w-md rounded-2xl bg-white p-6 shadow-xl">
            <DialogTitle className="text-lg font-semibold">Cancel “{event.name}”?</DialogTitle>
            <p className="mt-2 text-sm text-zinc-700">
              This cannot be undone. Ticket sales stop, tickets can no longer be resold, card buyers are refunded and wallet buyers can claim their
              refund. Your wallet will ask you to confirm the transaction.
            </p>
            <div className="mt-6 flex justify-end gap-3">
              <button type="button" className={secondaryButton} onClick={() => setOpen(false)}>
                Keep the event
              </button>
              <button
                type="button"
                className={dangerButton}
                onClick={() => {
                  setConfirmed(true);
                  setOpen(false);
                }}
              >
                Yes, cancel the event
              </button>
            </div>
          </DialogPanel>
        </div>
      </Dialog>
    </section>
  );
}

