import { decodeEventLog, type Abi, type Address, type Log } from "viem";
import {
  concertTicketAbi,
  fractionalTicketOwnershipAbi,
  marketplaceAbi,
  paymentEscrowAbi,
  ticketFactoryAbi,
} from "~/contracts/abi";

/** A decoded platform log as stored in `chain_logs` (addresses lower-case, bigints as decimal strings). */
export interface StoredLog {
  blockNumber: number;
  logIndex: number;
  blockHash: string;
  txHash: string;
  address: string;
  eventName: string;
  args: Record<string, unknown>;
}

export type ContractKind = "factory" | "ticket" | "marketplace" | "fractions" | "escrow";

const ABIS: Record<ContractKind, Abi> = {
  factory: ticketFactoryAbi as Abi,
  ticket: concertTicketAbi as Abi,
  marketplace: marketplaceAbi as Abi,
  fractions: fractionalTicketOwnershipAbi as Abi,
  escrow: paymentEscrowAbi as Abi,
};

function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/**
 * Decodes a raw log of a known platform contract with that contract's ABI. Logs the ABI does not describe
 * (none expected) return null and are skipped.
 */
export function decodePlatformLog(log: Log, kind: ContractKind): StoredLog | null {
  if (log.blockNumber === null || log.logIndex === null || !log.blockHash || !log.transactionHash) return null;
  let decoded: { eventName: string; args: unknown };
  try {
    decoded = decodeEventLog({ abi: ABIS[kind], data: log.data, topics: log.topics, strict: true }) as typeof decoded;
  } catch {
    return null;
  }
  const args = Array.isArray(decoded.args) ? Object.fromEntries(decoded.args.map((v, i) => [String(i), v])) : decoded.args;
  return {
    blockNumber: Number(log.blockNumber),
    logIndex: log.logIndex,
    blockHash: log.blockHash,
    txHash: log.transactionHash,
    address: (log.address as Address).toLowerCase(),
    eventName: decoded.eventName,
    args: plain(args ?? {}) as Record<string, unknown>,
  };
}
