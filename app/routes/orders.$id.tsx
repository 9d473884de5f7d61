import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { CardOrderStatus } from "~/components/CardOrderStatus";
import { formatCents, shortAddress } from "~/lib/format";
import { orderView } from "~/services/orders.server";
import { getDbHandle } from "../../db/client.server";

/**
 * /orders/:id — where the buyer lands after paying: the order's status, refreshed every 1.5 s until it
 * is final ("Payment authorized — minting your ticket…" → "Your ticket is ready", or "Not charged: …").
 * The order id is an unguessable UUID; the page shows no personal data beyond the buyer's masked email.
 */

export const meta: MetaFunction = () => [{ title: "Your order — TicketChain" }];

export async function loader({ params }: LoaderFunctionArgs) {
  const order = await orderView((await getDbHandle()).db, params.id ?? "");
  if (!order) throw new Response("We could not find this order.", { status: 404 });
  return { order };
}

const PENDING = ["reserved", "authorized", "minting", "minted"];

export default function OrderPage() {
  const { order } = useLoaderData<typeof loader>();
  return (
    <CardOrderStatus
      order={order}
      pending={PENDING}
      title={
        <>
          {order.quantity} × {order.tierName} · {formatCents(order.amountCents)}
        </>
      }
      paid={{
        heading: "Your ticket is ready",
        body: (
          <>
            <p className="mt-1 text-sm">
              Issued on chain to the wallet we keep for {order.email ?? "you"} ({order.recipient ? shortAddress(order.recipient) : ""}).
              Your card has been charged {formatCents(order.amountCents)}.
            </p>
            <ul className="mt-3 space-y-1 text-sm" aria-label="Ticket numbers">
              {order.tokenIds.map((id) => (
                <li key={id}>
                  Ticket <span className="font-mono font-semibold">#{id}</span>
                </li>
              ))}
            </ul>
          </>
        ),
      }}
      failedReason="the ticket could not be issued"
      failedNote="Any authorization on your card has been released. Your seats went back on sale."
      heldSubject="Your seats are held"
      working="minting your ticket"
      chargedWhen="once the ticket exists"
    />
  );
}
