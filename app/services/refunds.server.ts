import { sql } from "drizzle-orm";
import type { Db } from "../../db/client.server";
import { ticketKey } from "~/lib/tickets";

/**
 * How each ticket of a cancelled event is refunded: a ticket bought on chain (paid_wei > 0) is refunded by
 * the escrow to its holder (`PaymentEscrow.claimRefund`, from the holder's wallet); a card ticket is
 * refunded through Stripe by the payments sweeper (its order becomes `refunded`).
 */
export type RefundInfo = { kind: "wallet"; amountWei: string } | { kind: "card"; refunded: boolean };

export async function refundInfo(db: Db, chainId: number, list: { contractAddress: string; tokenId: string }[]): Promise<Record<string, RefundInfo>> {
  if (list.length === 0) return {};
  const keys = list.map((t) => sql`(${t.contractAddress.toLowerCase()}, ${t.tokenId}::numeric)`);
  const result = await db.execute<{ contract: string; token_id: string; paid_wei: string; order_status: string | null }>(sql`
    select t.contract_address as contract, t.token_id::text as token_id, t.paid_wei::text as paid_wei,
      (select o.status from orders o join events e on e.id = o.event_id
        where lower(e.contract_address) = t.contract_address and o.first_token_id is not null
          and t.token_id >= o.first_token_id and t.token_id < o.first_token_id + o.quantity
        order by o.created_at desc limit 1) as order_status
    from tickets t
    where t.chain_id = ${chainId} and (t.contract_address, t.token_id) in (${sql.join(keys, sql`, `)})`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { contract: string; token_id: string; paid_wei: string; order_status: string | null }[];
  const out: Record<string, RefundInfo> = {};
  for (const r of rows) {
    out[ticketKey(r.contract, r.token_id)] =
      BigInt(r.paid_wei) > 0n ? { kind: "wallet", amountWei: r.paid_wei } : { kind: "card", refunded: r.order_status === "refunded" };
  }
  return out;
}
