import { and, eq, sql } from "drizzle-orm";
import {
  BaseError,
  ContractFunctionRevertedError,
  concatHex,
  decodeErrorResult,
  encodeFunctionData,
  getAddress,
  isAddressEqual,
  parseAbi,
  parseEventLogs,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { CHAINS, env } from "~/env.server";
import { concertTicketAbi } from "~/contracts/abi";
import { MAX_CLAIM } from "~/lib/tickets";
import type { DbHandle } from "../../db/client.server";
import { events, tickets } from "../../db/schema";
import { currentDeployment, publicClient } from "./chain.server";
import { serverAccount, withSigner } from "./signer.server";
import { embeddedAccount, embeddedWalletAddress } from "./wallets.server";
import { FORWARD_REQUEST_TYPES } from "~/lib/forwarder";

export { FORWARD_REQUEST_TYPES };

/**
 * Claim: move tickets from the wallet TicketChain keeps for a card buyer (the embedded wallet) to a
 * wallet of their own. The chain is the authority: each ticket's `ownerOf` is read, and the transfer is
 * tried with `eth_call` first so a refusal is explained with the ticket's own custom error. The embedded
 * key signs one ERC-2771 ForwardRequest per ticket (`transferFrom(embedded, to, tokenId)`); the server's
 * signer relays them through the TrustedForwarder (`execute`, or `executeBatch` for several) and pays the
 * gas. The embedded key is decrypted only to sign, inside this module, and never logged or returned.
 */

export const forwarderAbi = parseAbi([
  "function nonces(address owner) view returns (uint256)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
  "function execute((address from, address to, uint256 value, uint256 gas, uint48 deadline, bytes data, bytes signature) request) payable",
  "function executeBatch((address from, address to, uint256 value, uint256 gas, uint48 deadline, bytes data, bytes signature)[] requests, address refundReceiver) payable",
  "event ExecutedForwardRequest(address indexed signer, uint256 nonce, bool success)",
  "error ERC2771ForwarderInvalidSigner(address signer, address from)",
  "error ERC2771ForwarderExpiredRequest(uint48 deadline)",
  "error ERC2771UntrustfulTarget(address target, address forwarder)",
  "error ERC2771ForwarderMismatchedValue(uint256 requestedValue, uint256 msgValue)",
  "error FailedCall()",
]);

/** Gas forwarded to each transferFrom (a ticket transfer uses ~35k; the forwarder checks it was available). */
const REQUEST_GAS = 150_000n;
/** Signed requests are valid for 10 minutes of chain time. */
const DEADLINE_SEC = 600n;

export class ClaimError extends Error {
  override name = "ClaimError";
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 503 = 400,
  ) {
    super(message);
  }
}

export interface TicketRef {
  contract: Address;
  tokenId: bigint;
}

export interface ClaimResult {
  contract: Address;
  tokenId: string;
  ok: boolean;
  message: string;
  txHash?: Hex;
}

/** The ticket contract's own reasons, in words a fan understands. */
export function explainTicketError(name: string, tokenId: bigint): string {
  const ticket = `Ticket #${tokenId}`;
  switch (name) {
    case "TicketCheckedInNotTransferable":
    case "TicketAlreadyCheckedIn":
      return `${ticket} was checked in at the door: a used ticket stays where it is.`;
    case "TicketEventCancelled":
      return `${ticket} belongs to a cancelled event: tickets no longer move, claim the refund instead.`;
    case "TicketFractionalized":
      return `${ticket} is split into shares (fractional): redeem all its shares before moving it.`;
    case "ERC721NonexistentToken":
      return `${ticket} does not exist.`;
    case "ERC721IncorrectOwner":
    case "ERC721InsufficientApproval":
      return `${ticket} is not in the wallet TicketChain keeps for you.`;
    case "ERC721InvalidReceiver":
      return `${ticket} cannot be sent to that address.`;
    default:
      return `${ticket} cannot be moved right now (${name}).`;
  }
}

function revertName(error: unknown): string | null {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName ?? null;
    // eth_call without an ABI (the simulation): decode the raw revert data with the ticket's ABI. Nodes put
    // it in `error.data` (a hex string) or, like Hardhat, in `error.data.data`.
    let data: Hex | null = null;
    error.walk((e) => {
      const raw = (e as { data?: unknown }).data;
      const hex = typeof raw === "string" ? raw : typeof (raw as { data?: unknown } | undefined)?.data === "string" ? (raw as { data: string }).data : null;
      if (hex && /^0x[0-9a-fA-F]{8}/.test(hex)) data = hex as Hex;
      return data !== null;
    });
    if (data) {
      try {
        return decodeErrorResult({ abi: concertTicketAbi, data }).errorName;
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * Moves the user's tickets held by their embedded wallet to `to`. `refs` null = every ticket the
 * indexer lists for the embedded wallet. Returns one result per ticket; throws ClaimError when nothing
 * can be tried at all (no embedded wallet, bad target, nothing to claim).
 */
export async function claimTickets(handle: DbHandle, userId: string, to: Address, refs: TicketRef[] | null) {
  const db = handle.db;
  const chainId = CHAINS[env().chain].id;
  const deployment = currentDeployment();
  if (!deployment) throw new ClaimError("The platform's contracts are not deployed on this chain.", 503);
  const embedded = await embeddedWalletAddress(db, userId);
  if (!embedded) throw new ClaimError("TicketChain keeps no tickets for this account: tickets bought with your own wallet are already yours.");
  if (isAddressEqual(to, embedded)) throw new ClaimError("That is the wallet TicketChain keeps for you: enter the address of your own wallet.");
  if (isAddressEqual(to, zeroAddress)) throw new ClaimError("The zero address cannot hold tickets: enter your wallet's address.");
  if (isAddressEqual(to, deployment.fractions) || isAddressEqual(to, deployment.forwarder) || isAddressEqual(to, deployment.marketplace)) {
    throw new ClaimError("That is a TicketChain contract, not a wallet: enter your wallet's address.");
  }

  let wanted: TicketRef[];
  if (refs === null) {
    const rows = await db
      .select({ contract: tickets.contractAddress, tokenId: tickets.tokenId })
      .from(tickets)
      .where(and(eq(tickets.chainId, chainId), eq(sql`lower(${tickets.owner})`, embedded.toLowerCase()), eq(tickets.checkedIn, false)));
    wanted = rows.map((r) => ({ contract: getAddress(r.contract), tokenId: BigInt(r.tokenId) }));
    if (!wanted.length) throw new ClaimError("There are no tickets to claim: TicketChain keeps none for you.");
  } else {
    const seen = new Set<string>();
    wanted = refs.filter((r) => {
      const key = `${r.contract.toLowerCase()}:${r.tokenId}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  }
  if (wanted.length > MAX_CLAIM) throw new ClaimError(`Claim at most ${MAX_CLAIM} tickets at a time.`);

  const client = publicClient();
  const known = await db
    .select({ contract: events.contractAddress })
    .from(events)
    .where(eq(events.chainId, chainId));
  const platformContracts = new Set(known.map((e) => e.contract?.toLowerCase()).filter(Boolean));

  // 1. Check every ticket against the chain; only the movable ones are signed.
  const checked = await Promise.all(
    wanted.map(async (ref): Promise<ClaimResult & { data?: Hex }> => {
      const base = { contract: ref.contract, tokenId: ref.tokenId.toString() };
      const refuse = (message: string) => ({ ...base, ok: false, message });
      if (!platformContracts.has(ref.contract.toLowerCase())) return refuse(`Ticket #${ref.tokenId} is not a TicketChain ticket on this chain.`);
      let owner: Address;
      try {
        owner = await client.readContract({ address: ref.contract, abi: concertTicketAbi, functionName: "ownerOf", args: [ref.tokenId] });
      } catch (error) {
        const name = revertName(error);
        if (name) return refuse(explainTicketError(name, ref.tokenId));
        throw error;
      }
      if (isAddressEqual(owner, deployment.fractions)) return refuse(explainTicketError("TicketFractionalized", ref.tokenId));
      if (isAddressEqual(owner, to)) return refuse(`Ticket #${ref.tokenId} is already in that wallet.`);
      if (!isAddressEqual(owner, embedded)) return refuse(explainTicketError("ERC721IncorrectOwner", ref.tokenId));
      const data = encodeFunctionData({ abi: concertTicketAbi, functionName: "transferFrom", args: [embedded, to, ref.tokenId] });
      try {
        // What the forwarder will do: call the ticket with the signer appended (ERC-2771).
        await client.call({ account: deployment.forwarder, to: ref.contract, data: concatHex([data, embedded]) });
      } catch (error) {
        const name = revertName(error);
        if (name) return refuse(explainTicketError(name, ref.tokenId));
        throw error;
      }
      return { ...base, ok: true, message: "pending", data };
    }),
  );
  const movable = checked.filter((c) => c.ok);
  if (!movable.length) return { to, txHash: null, results: checked.map(({ data: _data, ...r }) => r) };

  // 2. Sign and relay under the signer's lock: the forwarder nonces read here stay valid until sent.
  const signer = await embeddedAccount(db, userId);
  const { txHash, receipt } = await withSigner(handle, async (wallet) => {
    const [nonce, block, domain] = await Promise.all([
      client.readContract({ address: deployment.forwarder, abi: forwarderAbi, functionName: "nonces", args: [embedded] }),
      client.getBlock(),
      client.readContract({ address: deployment.forwarder, abi: forwarderAbi, functionName: "eip712Domain" }),
    ]);
    const deadline = Number(block.timestamp + DEADLINE_SEC);
    const requests = await Promise.all(
      movable.map(async (ticket, i) => {
        const message = { from: embedded, to: ticket.contract, value: 0n, gas: REQUEST_GAS, nonce: nonce + BigInt(i), deadline, data: ticket.data! };
        const signature = await signer.signTypedData({
          domain: { name: domain[1], version: domain[2], chainId: Number(domain[3]), verifyingContract: domain[4] },
          types: FORWARD_REQUEST_TYPES,
          primaryType: "ForwardRequest",
          message,
        });
        return { from: embedded, to: ticket.contract, value: 0n, gas: REQUEST_GAS, deadline, data: ticket.data!, signature };
      }),
    );
    let hash: Hex;
    try {
      hash =
      requests.length === 1
        ? await wallet.writeContract({ address: deployment.forwarder, abi: forwarderAbi, functionName: "execute", args: [requests[0]!] })
        : await wallet.writeContract({
            address: deployment.forwarder,
            abi: forwarderAbi,
            functionName: "executeBatch",
            // A refund receiver makes the batch go on past a request that fails (reported per request).
            args: [requests, serverAccount().address],
          });
    } catch (error) {
      // A single request whose transfer fails reverts the whole `execute` (at estimation): nothing was sent.
      if (revertName(error)) return { txHash: null, receipt: null };
      throw error;
    }
    return { txHash: hash, receipt: await client.waitForTransactionReceipt({ hash }) };
  });

  // 3. Results: the forwarder's per-request report, then the chain's word on ownership.
  const executed = receipt
    ? parseEventLogs({ abi: forwarderAbi, logs: receipt.logs, eventName: "ExecutedForwardRequest" }).filter((l) => isAddressEqual(l.args.signer, embedded))
    : [];
  const results: ClaimResult[] = await Promise.all(
    checked.map(async ({ data: _data, ...ticket }) => {
      if (!ticket.ok) return ticket;
      const tokenId = BigInt(ticket.tokenId);
      const owner = await client.readContract({ address: ticket.contract, abi: concertTicketAbi, functionName: "ownerOf", args: [tokenId] });
      if (receipt?.status === "success" && executed.length && isAddressEqual(owner, to)) {
        await db
          .update(tickets)
          .set({ owner: to.toLowerCase(), updatedBlock: Number(receipt.blockNumber) })
          .where(
            and(eq(tickets.chainId, chainId), eq(sql`lower(${tickets.contractAddress})`, ticket.contract.toLowerCase()), eq(tickets.tokenId, ticket.tokenId)),
          );
        return { ...ticket, ok: true, message: `Ticket #${tokenId} is now in ${to}.`, txHash: txHash! };
      }
      return { ...ticket, ok: false, message: `Ticket #${tokenId} was refused on chain; it is still in the wallet TicketChain keeps for you.`, ...(txHash ? { txHash } : {}) };
    }),
  );
  return { to, txHash, results };
}
