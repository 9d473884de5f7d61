// tsconfig.json excludes artifacts/, so hardhat-viem's generated contract typings (which type
// hre.viem.deployContract / getContractAt by contract name) are pulled in explicitly here. They exist
// once `npx hardhat compile` (or `hardhat test`, which compiles first) has run. Type-only: erased at runtime.
/// <reference path="../../artifacts/contracts/ConcertTicket.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/TicketFactory.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/PaymentEscrow.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/TestUSDC.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/TrustedForwarder.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/ReentrantAccount.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/ERC721ReceiverMock.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/UpgradeMocks.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/FractionsMock.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/HostileFactory.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol/artifacts.d.ts" />
import hre from "hardhat";
import chai, { expect } from "chai";
import chaiAsPromised from "chai-as-promised";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  decodeErrorResult,
  getAddress,
  isAddress,
  parseEther,
  parseEventLogs,
  type Abi,
  type Hash,
  type Hex,
  type Log,
  type TransactionReceipt,
} from "viem";
import { FORWARD_REQUEST_TYPES } from "../../app/lib/forwarder";

export { FORWARD_REQUEST_TYPES };

chai.use(chaiAsPromised);

export const ONE_DAY = 86_400n;

/** EIP-712 types of an EIP-2612 permit (TestUSDC: domain name "Test USD Coin", version "1"). */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** Tiers of the default test event: a tiny tier (easy to sell out) and a big one. */
export const TIERS = [
  { price: parseEther("0.1"), supply: 3 },
  { price: parseEther("0.25"), supply: 500 },
] as const;

export const EVENT_NAME = "Night Owls Live";
export const BASE_URI = "https://tickets.example/meta/1/";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Awaits a write and its receipt; fails the test if the transaction did not succeed. */
export async function mined(write: Promise<Hash>): Promise<TransactionReceipt> {
  const hash = await write;
  const publicClient = await hre.viem.getPublicClient();
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status, `transaction ${hash} status`).to.equal("success");
  return receipt;
}

/** Normalises decoded values so addresses compare checksum-insensitively and hex case-insensitively. */
function normalize(value: unknown): unknown {
  if (typeof value === "string") {
    if (isAddress(value, { strict: false })) return getAddress(value);
    if (/^0x[0-9a-fA-F]*$/.test(value)) return value.toLowerCase();
    return value;
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/** Deep equality after {normalize}; bigints must be expected as bigints (3n, not 3). */
export function expectSame(actual: unknown, expected: unknown, message?: string) {
  expect(normalize(actual), message).to.deep.equal(normalize(expected));
}

type WalkableError = Error & { walk: (fn?: (e: unknown) => boolean) => unknown };
type Decoded = { errorName: string; args?: readonly unknown[] };

/**
 * Asserts that `promise` (a viem read/write/simulate) rejects with the custom error `errorName`
 * carrying exactly `args` (bigints as bigints, addresses compared checksum-insensitively).
 *
 * The error is decoded from viem's ContractFunctionRevertedError when viem built one. With
 * Hardhat 2's in-process network, viem >= 2.4x often does not (Hardhat's SolidityError carries the
 * revert data but no JSON-RPC code 3, so viem wraps it as an UnknownRpcError); the raw revert data
 * is then taken from the error chain and decoded with the called contract's ABI. Pass `decodeWith`
 * when the revert data bubbles up from another contract whose ABI the called one lacks.
 */
export async function expectRevert(
  promise: Promise<unknown>,
  errorName: string,
  args: readonly unknown[] = [],
  decodeWith?: Abi,
) {
  const error = (await expect(promise, `expected a revert with ${errorName}`).to.be.rejected) as unknown;
  expect(error, "rejection is not a viem error").to.have.property("walk").that.is.a("function");
  const walk = (fn: (e: any) => boolean) => (error as WalkableError).walk((e) => !!e && fn(e)) as any;

  const execution = walk((e) => e.name === "ContractFunctionExecutionError") as { abi?: Abi } | null;
  const reverted = walk((e) => e.name === "ContractFunctionRevertedError") as { data?: Decoded; raw?: Hex } | null;
  const raw: Hex | undefined =
    reverted?.raw ?? walk((e) => typeof e.data === "string" && /^0x[0-9a-fA-F]*$/.test(e.data))?.data;

  let decoded: Decoded | undefined = reverted?.data;
  for (const abi of [execution?.abi, decodeWith]) {
    if (decoded || !abi || !raw || raw === "0x") continue;
    try {
      decoded = decodeErrorResult({ abi, data: raw }) as Decoded;
    } catch {
      // selector not in this ABI; try the next one
    }
  }
  if (!decoded) {
    expect.fail(
      `expected ${errorName} but could not decode the revert (raw data: ${raw ?? "none"}): ${(error as Error).message}`,
    );
  }
  expect(decoded.errorName, "custom error name").to.equal(errorName);
  expectSame(decoded.args ?? [], args, `arguments of ${errorName}`);
}

/**
 * Decoded events named `eventName` that `emitter` emitted in `receipt` (logs from other addresses
 * with the same signature are ignored), in log order.
 */
export function eventsOf<const TAbi extends Abi, TName extends string>(
  emitter: { address: Hex; abi: TAbi },
  receipt: { logs: Log[] },
  eventName: TName,
) {
  const own = receipt.logs.filter((l) => getAddress(l.address) === getAddress(emitter.address));
  return parseEventLogs({ abi: emitter.abi as Abi, logs: own, eventName }).map(
    (l) => (l as unknown as { args: Record<string, unknown> }).args,
  );
}

/** Timestamp of the block that included `receipt`. */
export async function blockTime(receipt: TransactionReceipt): Promise<bigint> {
  const publicClient = await hre.viem.getPublicClient();
  const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
  return block.timestamp;
}
