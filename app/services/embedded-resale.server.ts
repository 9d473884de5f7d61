import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { encodeFunctionData, getAddress, isAddressEqual, parseEventLogs, type Address, type Hex } from "viem";
import { z } from "zod";
import { concertTicketAbi, marketplaceAbi } from "~/contracts/abi";
import { NATIVE_CURRENCY, orderTypedData, type Order } from "~/lib/orders";
import type { DbHandle } from "../../db/client.server";
import { events, listings } from "../../db/schema";
import { currentDeployment, publicClient } from "./chain.server";
import { claimTickets, FORWARD_REQUEST_TYPES, forwarderAbi } from "./claim.server";
import { checkListing, createListing, orderOf, ResaleError, resaleQuote } from "./resale.server";
import type { SessionUser } from "./session.server";
import { withSigner } from "./signer.server";
import { embeddedAccount, embeddedWalletAddress, ensureBuyer } from "./wallets.server";

/**
 * One-click resale for tickets TicketChain keeps for card buyers (the embedded wallet): after the fan
 * confirms in the UI, the server signs with the embedded key and relays through the ERC-2771 forwarder
 * (the server signer pays the gas, under the signer lock; every receipt is checked):
 *  - list: `setApprovalForAll(marketplace, true)` on the event's ticket contract once, then an EIP-712 order
 *    signed by the embedded key, validated like any listing (createListing);
 *  - cancel: `Marketplace.cancel(order)` from the embedded wallet;
 *  - transfer to a friend: `transferFrom` to an address, or to the wallet TicketChain keeps for an email
 *    (created on the spot), through the claim path (app/services/claim.server.ts).
 */

const REQUEST_GAS = 200_000n;
const DEADLINE_SEC = 600n;

const uint = z.string().regex(/^\d{1,78}$/, "must be a whole number").transform((v) => BigInt(v));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address").transform((v) => getAddress(v));

export const EmbeddedListInput = z.object({ contract: address, tokenId: uint, priceWei: uint.refine((v) => v > 0n, "must be more than 0") });
export const EmbeddedTransferInput = z.object({
  contract: address,
  tokenId: uint,
  to: z.string().trim().min(1, "Enter a wallet address or an email address.").max(254),
});

/** Signs a ForwardRequest with the user's embedded key and relays it; throws a ResaleError when it fails. */
async function relayAs(handle: DbHandle, userId: string, from: Address, to: Address, data: Hex, what: string): Promise<Hex> {
  const deployment = currentDeployment();
  if (!deployment) throw new ResaleError(503, "The marketplace is not deployed on this chain yet.");
  const client = publicClient();
  const signer = await embeddedAccount(handle.db, userId);
  const { hash, receipt } = await withSigner(handle, async (wallet) => {
    const [nonce, block, domain] = await Promise.all([
      client.readContract({ address: deployment.forwarder, abi: forwarderAbi, functionName: "nonces", args: [from] }),
      client.getBlock(),
      client.readContract({ address: deployment.forwarder, abi: forwarderAbi, functionName: "eip712Domain" }),
    ]);
    const deadline = Number(block.timestamp + DEADLINE_SEC);
    const message = { from, to, value: 0n, gas: REQUEST_GAS, nonce, deadline, data };
    const signature = await signer.signTypedData({
      domain: { name: domain[1], version: domain[2], chainId: Number(domain[3]), verifyingContract: domain[4] },
      types: FORWARD_REQUEST_TYPES,
      primaryType: "ForwardRequest",
      message,
    });
    let sent: Hex;
    try {
      sent = await wallet.writeContract({ address: deployment.forwarder, abi: forwarderAbi, functionName: "execute", args: [{ from, to, value: 0n, gas: REQUEST_GAS, deadline, data, signature }] });
    } catch {
      throw new ResaleError(409, `${what} was refused on chain; nothing changed.`);
    }
    return { hash: sent, receipt: await client.waitForTransactionReceipt({ hash: sent }) };
  });
  const executed = parseEventLogs({ abi: forwarderAbi, logs: receipt.logs, eventName: "ExecutedForwardRequest" }).filter((l) => isAddressEqual(l.args.signer, from));
  if (receipt.status !== "success" || !executed.length || !executed[0]!.args.success) throw new ResaleError(409, `${what} was refused on chain; nothing changed.`);
  return hash;
}

async function keptWallet(handle: DbHandle, user: SessionUser): Promise<Address> {
  const embedded = await embeddedWalletAddress(handle.db, user.id);
  if (!embedded) throw new ResaleError(400, "TicketChain keeps no tickets for this account: tickets in your own wallet are sold from that wallet.");
  return embedded;
}

/**
 * Lists a ticket the embedded wallet holds: approval relayed once per event contract, order signed by the
 * embedded key (expiry = the show's start, current marketplace nonce), then the usual checks (cap, owner …).
 */
export async function listEmbeddedTicket(handle: DbHandle, user: SessionUser, body: unknown) {
  const parsed = EmbeddedListInput.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ResaleError(400, `Invalid listing: ${issue.path.join(".")} ${issue.message}.`);
  }
  const { contract, tokenId, priceWei } = parsed.data;
  return listKept(handle, user, contract, tokenId, () => priceWei, false);
}

export const EmbeddedWaitlistInput = z.object({ contract: address, tokenId: uint });

/**
 * Sells a kept ticket to the event's face-value waitlist: the same one-click listing, priced at the tier's
 * face value read from the chain (no price to choose), flagged `waitlist` (app/services/waitlist.server.ts).
 */
export async function sellKeptToWaitlist(handle: DbHandle, user: SessionUser, body: unknown) {
  const parsed = EmbeddedWaitlistInput.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ResaleError(400, `Invalid listing: ${issue.path.join(".")} ${issue.message}.`);
  }
  const { contract, tokenId } = parsed.data;
  return listKept(handle, user, contract, tokenId, (quote) => BigInt(quote.faceValueWei), true);
}

async function listKept(
  handle: DbHandle,
  user: SessionUser,
  contract: Address,
  tokenId: bigint,
  priceOf: (quote: Awaited<ReturnType<typeof resaleQuote>>) => bigint,
  waitlist: boolean,
) {
  const embedded = await keptWallet(handle, user);
  const quote = await resaleQuote(contract, tokenId);
  if (!isAddressEqual(quote.owner, embedded)) throw new ResaleError(403, `Ticket #${tokenId} is not in the wallet TicketChain keeps for you.`);
  const priceWei = priceOf(quote);
  if (quote.capWei !== null && priceWei > BigInt(quote.capWei)) {
    throw new ResaleError(400, `The price is above the promoter's resale cap of ${quote.capWei} wei.`, { capWei: quote.capWei });
  }
  const [event] = await handle.db.select({ startsAt: events.startsAt, waitlistEnabled: events.waitlistEnabled }).from(events).where(eq(events.contractAddress, contract));
  if (!event) throw new ResaleError(400, "This is not a TicketChain ticket contract on this chain.");
  // Refused before anything is relayed (createListing checks it again).
  if (waitlist && !event.waitlistEnabled) throw new ResaleError(409, "This event has no waitlist: list the ticket for resale instead.");
  if (!quote.approved) {
    const data = encodeFunctionData({ abi: concertTicketAbi, functionName: "setApprovalForAll", args: [quote.marketplace, true] });
    await relayAs(handle, user.id, embedded, contract, data, "Allowing the marketplace");
  }
  const order: Order = {
    seller: embedded,
    token: contract,
    tokenId,
    amount: 1n,
    price: priceWei,
    currency: NATIVE_CURRENCY,
    expiry: BigInt(quote.latestExpiry),
    nonce: BigInt(quote.nonce),
    salt: BigInt(`0x${randomBytes(32).toString("hex")}`),
  };
  const signer = await embeddedAccount(handle.db, user.id);
  const signature = await signer.signTypedData(orderTypedData(order, quote.chainId, quote.marketplace));
  const wire = Object.fromEntries(Object.entries(order).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));
  return createListing(handle.db, user, { order: wire, signature }, { embedded, waitlist });
}

/** Cancels a listing of the embedded wallet on chain (relayed Marketplace.cancel), then closes it in the book. */
export async function cancelEmbeddedListing(handle: DbHandle, user: SessionUser, listingId: string) {
  if (!z.string().uuid().safeParse(listingId).success) throw new ResaleError(404, "No such listing.");
  const embedded = await keptWallet(handle, user);
  const [row] = await handle.db.select().from(listings).where(and(eq(listings.id, listingId), eq(listings.seller, embedded.toLowerCase())));
  if (!row) throw new ResaleError(404, "No such listing.");
  if (row.status !== "open") throw new ResaleError(409, `This listing is already closed (${row.status}).`);
  if (row.reservedBy) throw new ResaleError(409, "A card buyer is paying for this ticket right now; try again in a few minutes.");
  const deployment = currentDeployment()!;
  const data = encodeFunctionData({ abi: marketplaceAbi, functionName: "cancel", args: [orderOf(row)] });
  const txHash = await relayAs(handle, user.id, embedded, deployment.marketplace, data, "Cancelling the listing");
  return { id: row.id, status: await checkListing(handle.db, row), txHash };
}

/**
 * Sends a ticket the embedded wallet holds to a friend: a wallet address, or an email (the friend's account
 * and kept wallet are created if needed; they sign in with that email to see it).
 */
/**
 * Refuses someone else's ticket before anything is written (an email recipient gets an account): the
 * chain's ownerOf must be the fan's kept wallet (claimTickets checks again just before relaying).
 */
async function assertKeptFor(handle: DbHandle, user: SessionUser, contract: Address, tokenId: bigint) {
  const embedded = await embeddedWalletAddress(handle.db, user.id);
  if (!embedded) throw new ResaleError(400, "TicketChain keeps no tickets for this account: send tickets from your own wallet.");
  const owner = await publicClient()
    .readContract({ address: contract, abi: concertTicketAbi, functionName: "ownerOf", args: [tokenId] })
    .catch(() => null);
  if (!owner || !isAddressEqual(owner, embedded)) throw new ResaleError(403, `Ticket #${tokenId} is not one TicketChain keeps for you.`);
}

export async function transferEmbeddedTicket(handle: DbHandle, user: SessionUser, body: unknown) {
  const parsed = EmbeddedTransferInput.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ResaleError(400, issue.path.length ? `Invalid transfer: ${issue.path.join(".")} ${issue.message}.` : issue.message);
  }
  const { contract, tokenId, to } = parsed.data;
  let target: Address;
  let label: string;
  if (/^0x[0-9a-fA-F]{40}$/.test(to)) {
    target = getAddress(to);
    label = `${target.slice(0, 6)}…${target.slice(-4)}`;
  } else if (z.string().email().safeParse(to).success) {
    if (user.email && user.email.toLowerCase() === to.toLowerCase()) throw new ResaleError(400, "That is your own email address.");
    await assertKeptFor(handle, user, contract, tokenId);
    target = (await ensureBuyer(handle.db, to)).address;
    label = to.toLowerCase();
  } else {
    throw new ResaleError(400, "Enter a wallet address (0x…) or an email address.");
  }
  const [open] = await handle.db
    .select({ id: listings.id })
    .from(listings)
    .where(and(eq(listings.contractAddress, contract.toLowerCase()), eq(listings.tokenId, tokenId.toString()), eq(listings.status, "open")));
  if (open) throw new ResaleError(409, `Ticket #${tokenId} is listed for resale: cancel the listing first.`);
  const { results } = await claimTickets(handle, user.id, target, [{ contract, tokenId }]).catch((error: Error & { status?: number }) => {
    throw new ResaleError(error.status ?? 400, error.message.replace("enter the address of your own wallet", "send it to someone else"));
  });
  const result = results[0]!;
  if (!result.ok) throw new ResaleError(409, result.message);
  return { ok: true, to: target, txHash: result.txHash ?? null, message: `Ticket #${tokenId} was sent to ${label}.` };
}
