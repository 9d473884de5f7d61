import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { CardOrderStatus } from "~/components/CardOrderStatus";
import { formatCents, formatWei, shortAddress } from "~/lib/format";
import { weiToCents } from "~/lib/prices";
import { viemChain } from "~/services/chain.server";
import { resaleOrderView } from "~/services/resale-card.server";
import { getDbHandle } from "../../db/client.server";

/**
 * /resale/orders/:id — the status of a card purchase of a resale ticket, refreshed every 1.5 s until final:
 * "Payment authorized — transferring your ticket…" → "Your ticket is yours" (ticket number, transaction), or
 * "Not charged: …". The id is an unguessable UUID; the buyer's email is shown masked.
 */

export const meta: MetaFunction = () => [{ title: "Your resale ticket — TicketChain" }];

export async function loader({ params }: LoaderFunctionArgs) {
  const order = await resaleOrderView((await getDbHandle()).db, params.id ?? "");
  if (!order) throw new Response("We could not find this order.", { status: 404 });
  return { order, coin: viemChain().nativeCurrency.symbol };
}

const PENDING = ["reserved", "authorized", "filling", "filled"];

export default function ResaleOrderPage() {
  const { order, coin } = useLoaderData<typeof loader>();
  // One coin in cents at the rate fixed at checkout (the feed's answer with its decimals), for the breakdown.
  const coinCents = weiToCents(10n ** 18n, BigInt(order.rateAnswer), order.rateDecimals);
  return (
    <CardOrderStatus
      order={order}
      pending={PENDING}
      title={
        <>
          Resale ticket #{order.tokenId} · {formatCents(order.amountCents)}
        </>
      }
      details={
        <p className="mt-1 text-sm text-zinc-600" data-testid="resale-card-price">
          {formatWei(order.priceWei, coin)} at {formatCents(coinCents)} per {coin} (the rate when you checked out), rounded up to the cent. No card fee.
        </p>
      }
      paid={{
        heading: <>Ticket #{order.tokenId} is yours</>,
        body: (
          <p className="mt-1 text-sm">
            It is in the wallet we keep for {order.email ?? "you"} ({order.recipient ? shortAddress(order.recipient) : ""}). Your card has been charged{" "}
            {formatCents(order.amountCents)}. Find it under <Link to="/tickets" className="underline">My tickets</Link>.
          </p>
        ),
      }}
      failedReason="the ticket could not be transferred"
      failedNote="Any authorization on your card has been released."
      heldSubject="The ticket is held for you"
      working="transferring your ticket"
      chargedWhen="once the ticket is in your wallet"
    />
  );
}
