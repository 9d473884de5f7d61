import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Disclosure, DisclosureButton, DisclosurePanel } from "@headlessui/react";
import { useLoaderData } from "@remix-run/react";
import { CardCheckoutForm } from "~/components/CardCheckoutForm";
import { formatCents, formatEventDate, formatWei } from "~/lib/format";
import { viemChain } from "~/services/chain.server";
import { getEventBySlug } from "~/services/catalog.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.event.name} — TicketChain` : "Event not found — TicketChain" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  const slug = params.slug ?? "";
  if (!/^[a-z0-9-]{1,120}$/.test(slug)) throw new Response("This event address is not valid.", { status: 404 });
  const event = await getEventBySlug(slug);
  if (!event) throw new Response("We could not find this event.", { status: 404 });
  const chain = viemChain();
  return { event, coin: chain.nativeCurrency.symbol, chainName: chain.name };
}

export default function EventPage() {
  const { event, coin, chainName } = useLoaderData<typeof loader>();
  const cancelled = event.status === "cancelled";
  return (
    <article>
      {event.imageUrl ? (
        <img src={event.imageUrl} alt="" className="h-48 w-full rounded-xl object-cover sm:h-64" />
      ) : null}
      <h1 className="mt-6 text-3xl font-bold tracking-tight">{event.name}</h1>
      <p className="mt-1 text-zinc-700">
        {event.venue}, {event.city} · <time dateTime={event.startsAt}>{formatEventDate(event.startsAt)}</time>
      </p>
      {cancelled ? (
        <p role="status" className="mt-4 rounded-md bg-red-50 p-3 text-red-800">
          This event was cancelled. Ticket holders can claim a refund.
        </p>
      ) : null}
      <p className="mt-4 max-w-prose text-zinc-700">{event.description}</p>

      <section aria-labelledby="tiers-heading" className="mt-8">
        <h2 id="tiers-heading" className="text-xl font-semibold">
          Tickets
        </h2>
        <table className="mt-3 w-full overflow-hidden rounded-xl border border-zinc-200 bg-white text-left text-sm">
          <thead className="bg-zinc-100 text-zinc-700">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">Tier</th>
              <th scope="col" className="px-4 py-2 font-medium">Price</th>
              <th scope="col" className="px-4 py-2 font-medium">Seats left</th>
            </tr>
          </thead>
          <tbody>
            {event.tiers.map((tier) => (
              <tr key={tier.id} className="border-t border-zinc-200">
                <th scope="row" className="px-4 py-3 font-medium">{tier.name}</th>
                <td className="px-4 py-3">
                  <span className="font-semibold">{formatCents(tier.priceCents)}</span>
                  <span className="ml-2 text-zinc-600">{formatWei(tier.priceWei, coin)}</span>
                </td>
                <td className="px-4 py-3">
                  {tier.remaining === 0 ? <span className="text-red-700">Sold out</span> : `${tier.remaining} of ${tier.supply}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <CardCheckoutForm eventSlug={event.slug} tiers={event.tiers} disabled={cancelled} />

      {event.contractAddress ? (
        <Disclosure as="section" className="mt-8 rounded-xl border border-zinc-200 bg-white">
          <DisclosureButton className="group flex w-full items-center justify-between px-4 py-3 text-left text-sm font-medium focus-visible:outline-2 focus-visible:outline-brand-600">
            How these tickets work
            <span aria-hidden="true" className="transition group-data-[open]:rotate-180">
              ▾
            </span>
          </DisclosureButton>
          <DisclosurePanel className="space-y-3 px-4 pb-4 text-sm text-zinc-700">
            <p>
              Each ticket is an NFT (ERC-721) on {chainName}. It is yours: keep it in your own wallet, resell it at a
              fair price, or show it at the door. Card buyers get a wallet kept safe for them until they claim it.
            </p>
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
              <dt className="text-zinc-500">Chain</dt>
              <dd>
                {chainName} (id {event.chainId})
              </dd>
              <dt className="text-zinc-500">Ticket contract</dt>
              <dd>
                <code className="break-all" data-testid="ticket-contract">
                  {event.contractAddress}
                </code>
              </dd>
              <dt className="text-zinc-500">Event number</dt>
              <dd>{event.onChainId}</dd>
            </dl>
          </DisclosurePanel>
        </Disclosure>
      ) : null}
    </article>
  );
}
