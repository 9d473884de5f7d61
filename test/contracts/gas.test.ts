import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, parseEther, toHex, zeroHash, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { mined } from "./fixtures";
import { platformFixture } from "./platform";
import { marketFixture } from "./market-fixture";

/**
 * Receipt gas (incl. the 21k base) of the core operations, printed as a table. Each mint is measured on a
 * fresh event (token ids from 1), as a benchmark would. The floors below are worked out opcode by opcode in
 * bench/README.md ("Floors").
 *
 * Why the two mint goals are not met:
 *  - 100 tickets to one holder (`mintOrder` with an order reference, 3,182): 21,000 base + ~1,200 calldata +
 *    100 `Transfer` LOG4s (1,875 each) + three fresh slots (the run's owner word, the holder's balance, the
 *    order reference: 3 x 22,100) = 276,000 = 2,760/ticket before any other opcode, above the 2,700 goal.
 *    An order reference must be found by its own key (tokenForOrder, once-only), so it cannot share a slot
 *    with the owner word (found by token id) or the balance (found by holder). On top: the factory role
 *    check (~10k through the UUPS proxy), the clone's delegatecall (2.6k), token counter, tier and flag word
 *    updates (3 x 5k), OrderIssued (~2k). Without a reference the floor of this design is still ~2,715.
 *  - 100 different buyers (`mintBatch`, 47,411 here): 21,000 base + ~37,300 calldata (one ABI address word
 *    per buyer) + per ticket a fresh owner word and a fresh balance (2 x 22,100) + Transfer (1,875) =
 *    46,658/ticket before any other opcode; counter, tier, clone delegatecall, role check, event and the
 *    per-ticket bookkeeping (two keccak256 slot hashes, calldata load and checks, loop) leave no room under
 *    47,000 with the factory role call (kept: revoking MINTER_ROLE on the factory stops the minter on every
 *    event at once). One-ticket runs write no head bit (no flag word at all for a batch of distinct buyers).
 *    A batch reference costs one more fresh slot (22,100) for the whole batch (~221 per ticket).
 */
const GOAL_MINT_100_ONE_HOLDER = 2_700n;
const GOAL_MINT_100_DISTINCT = 47_000n;
/** Today's figures + ~2 %: a regression fails the suite. */
const REGRESSION_MINT_100_ONE_HOLDER = 3_250n;
const REGRESSION_MINT_100_DISTINCT = 48_350n;
/** First transfer of a token from the middle of a run: ~86,650 (one more cold read, of the token's own
 * empty batch word, since one-ticket runs carry no head bit) + 2 %. */
const REGRESSION_TRANSFER_FRESH = 88_400n;
/** Marketplace fill of a whole ticket (native, fee + royalty + cap), payees already credited once: ~214,800 + 2 %. */
const REGRESSION_FILL = 219_000n;
/** solidity-coverage instruments the contracts (more gas): the guards only apply to real builds. */
const GUARDED = !process.env.SOLIDITY_COVERAGE;

const fresh = (label: string, n: number): Address[] =>
  Array.from({ length: n }, (_, i) => privateKeyToAddress(keccak256(toHex(`${label}-${i}`))));
const refs = (label: string, n: number): Hex[] => Array.from({ length: n }, (_, i) => keccak256(toHex(`${label}-${i}`)));

async function gasFixture() {
  const p = await platformFixture();
  const { ticket } = await p.createEvent({ tiers: [{ price: parseEther("0.01"), supply: 100_000 }] });
  return { ...p, ticket };
}

describe("gas (receipt gas, incl. 21k base)", function () {
  const rows: Record<string, { gas: bigint; perTicket?: bigint }> = {};
  after(function () {
    console.table(
      Object.fromEntries(
        Object.entries(rows).map(([k, v]) => [k, { gas: Number(v.gas), perTicket: v.perTicket === undefined ? "" : Number(v.perTicket) }]),
      ),
    );
  });

  it("createEvent", async function () {
    const p = await loadFixture(platformFixture);
    const { receipt } = await p.createEvent({ grantScanner: false });
    rows["createEvent (2 tiers)"] = { gas: receipt.gasUsed };
  });

  // Each mint is measured on a fresh event (token ids 1..100, as a benchmark would).
  const mints: [string, (p: Awaited<ReturnType<typeof gasFixture>>) => Promise<{ gasUsed: bigint }>][] = [
    ["mintOrder 100 → one holder, one order ref", (p) =>
      mined(p.ticket.write.mintOrder([0n, fresh("h", 1)[0], 100n, refs("order", 1)[0]], { account: p.minter.account }))],
    ["mintOrder 100 → one holder, no order ref", (p) =>
      mined(p.ticket.write.mintOrder([0n, fresh("h", 1)[0], 100n, zeroHash], { account: p.minter.account }))],
    ["mintBatch 100 → one holder, no batch ref", (p) => p.mintBatch(p.ticket, 0n, Array(100).fill(fresh("h", 1)[0]))],
    ["mintBatch 100 → one holder, 1 batch ref", (p) =>
      p.mintBatch(p.ticket, 0n, Array(100).fill(fresh("h", 1)[0]), refs("one", 1)[0])],
    ["mintBatch 100 → 100 buyers, no batch ref", (p) => p.mintBatch(p.ticket, 0n, fresh("buyer", 100))],
    ["mintBatch 100 → 100 buyers, 1 batch ref", (p) => p.mintBatch(p.ticket, 0n, fresh("buyer", 100), refs("batch", 1)[0])],
  ];
  for (const [label, mint] of mints) {
    it(label, async function () {
      const p = await loadFixture(gasFixture);
      const r = await mint(p);
      rows[label] = { gas: r.gasUsed, perTicket: r.gasUsed / 100n };
      const data = await p.ticket.read.ticketData([100n]);
      expect(data.seatNumber).to.equal(100n);
    });
  }

  it("stays within today's figures (regression guard; the issue's goals are printed, not met: see the header)", async function () {
    const oneHolder = rows["mintOrder 100 → one holder, one order ref"].perTicket!;
    const distinct = rows["mintBatch 100 → 100 buyers, no batch ref"].perTicket!;
    console.log(
      `  100 → one holder: ${oneHolder}/ticket (goal ${GOAL_MINT_100_ONE_HOLDER}); ` +
        `100 buyers: ${distinct}/ticket (goal ${GOAL_MINT_100_DISTINCT})`,
    );
    // The goals sit below the floor of an ERC-721 that emits one Transfer per ticket (1,875 gas each) and
    // stores a fresh owner word + balance per distinct buyer (2 x 22,100): see the report in gas.test.ts' header.
    if (!GUARDED) return;
    expect(oneHolder <= REGRESSION_MINT_100_ONE_HOLDER, `one holder ${oneHolder}`).to.equal(true);
    expect(distinct <= REGRESSION_MINT_100_DISTINCT, `100 buyers ${distinct}`).to.equal(true);
  });

  it("lifecycle: 100-ticket order share + transfer to a fresh address + check-in share", async function () {
    const p = await loadFixture(gasFixture);
    const holder = p.fan1;
    const mint = await mined(
      p.ticket.write.mintOrder([0n, holder.account.address, 100n, refs("order", 1)[0]], { account: p.minter.account }),
    );
    const [to, to2] = fresh("to", 2);
    const transfer = await mined(p.ticket.write.transferFrom([holder.account.address, to, 50n], { account: holder.account }));
    if (GUARDED) expect(transfer.gasUsed <= REGRESSION_TRANSFER_FRESH, `transfer ${transfer.gasUsed}`).to.equal(true);
    const again = await mined(p.ticket.write.transferFrom([holder.account.address, to2, 51n], { account: holder.account }));
    const ids = Array.from({ length: 100 }, (_, i) => BigInt(i + 1));
    const check = await p.checkIn(p.ticket, ids);
    rows["transferFrom mid-batch → fresh address"] = { gas: transfer.gasUsed };
    rows["transferFrom mid-batch → fresh address (another token)"] = { gas: again.gasUsed };
    rows["checkIn 100"] = { gas: check.gasUsed, perTicket: check.gasUsed / 100n };
    const one = await p.buy(p.ticket, 0n, 1n, p.fan2);
    rows["buy 1 (first paid sale of the event)"] = { gas: one.gasUsed };
    const later = await p.buy(p.ticket, 0n, 1n, p.fan3);
    rows["buy 1 (later sale, new buyer)"] = { gas: later.gasUsed };
    const ten = await p.buy(p.ticket, 0n, 10n, p.fan2);
    rows["buy 10 (later sale)"] = { gas: ten.gasUsed, perTicket: ten.gasUsed / 10n };
    const single = await p.checkIn(p.ticket, [102n]);
    rows["checkIn 1"] = { gas: single.gasUsed };
    rows["LIFECYCLE (order-of-100 share + transfer + check-in share)"] = {
      gas: mint.gasUsed / 100n + transfer.gasUsed + check.gasUsed / 100n,
    };
  });

  it("marketplace fill of a whole ticket (native, fee + royalty + cap; the seller's share under the order hash)", async function () {
    const m = await loadFixture(marketFixture);
    const first = await mined(m.fill(m.order()));
    const second = await mined(m.fill(m.order({ tokenId: 2n }), { from: m.buyer2 }));
    rows["fill (first of the event: royalty and fee credits fresh)"] = { gas: first.gasUsed };
    rows["fill (royalty and fee already credited)"] = { gas: second.gasUsed };
    if (GUARDED) expect(second.gasUsed <= REGRESSION_FILL, `fill ${second.gasUsed}`).to.equal(true);
  });

  it("second transfer of a ticket (its owner word exists)", async function () {
    const p = await loadFixture(gasFixture);
    await mined(p.ticket.write.mintOrder([0n, p.fan1.account.address, 100n, zeroHash], { account: p.minter.account }));
    await mined(p.ticket.write.transferFrom([p.fan1.account.address, p.fan2.account.address, 50n], { account: p.fan1.account }));
    const r = await mined(
      p.ticket.write.transferFrom([p.fan2.account.address, p.fan3.account.address, 50n], { account: p.fan2.account }),
    );
    rows["transferFrom again (to a fresh holder of this event)"] = { gas: r.gasUsed };
  });
});
