import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, parseEther, toHex, zeroHash, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { mined } from "./fixtures";
import { platformFixture } from "./platform";

/** Gas goals of issue 3 (receipt gas incl. the 21k base, per ticket). */
const GOAL_MINT_100_ONE_HOLDER = 2_700n;
const GOAL_MINT_100_DISTINCT = 47_000n;

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
    ["mintBatch 100 → one holder, no order refs", (p) => p.mintBatch(p.ticket, 0n, Array(100).fill(fresh("h", 1)[0]))],
    ["mintBatch 100 → one holder, 100 order refs", (p) =>
      p.mintBatch(p.ticket, 0n, Array(100).fill(fresh("h", 1)[0]), refs("one", 100))],
    ["mintBatch 100 → 100 buyers, no order refs", (p) => p.mintBatch(p.ticket, 0n, fresh("buyer", 100))],
    ["mintBatch 100 → 100 buyers, 100 order refs", (p) => p.mintBatch(p.ticket, 0n, fresh("buyer", 100), refs("distinct", 100))],
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

  it("meets the mint goals", async function () {
    const oneHolder = rows["mintOrder 100 → one holder, one order ref"].perTicket!;
    const distinct = rows["mintBatch 100 → 100 buyers, no order refs"].perTicket!;
    console.log(`  100 → one holder: ${oneHolder}/ticket (goal ${GOAL_MINT_100_ONE_HOLDER}); 100 buyers: ${distinct}/ticket (goal ${GOAL_MINT_100_DISTINCT})`);
  });

  it("lifecycle: 100-mint share + transfer to a fresh address + check-in share", async function () {
    const p = await loadFixture(gasFixture);
    const holder = p.fan1;
    const mint = await p.mintBatch(p.ticket, 0n, Array(100).fill(holder.account.address));
    const [to, to2] = fresh("to", 2);
    const transfer = await mined(p.ticket.write.transferFrom([holder.account.address, to, 50n], { account: holder.account }));
    const transfer2 = await mined(p.ticket.write.transferFrom([holder.account.address, to2, 51n], { account: holder.account }));
    const ids = Array.from({ length: 100 }, (_, i) => BigInt(i + 1)).filter((id) => id !== 50n);
    const check = await p.checkIn(p.ticket, [...ids, 50n]);
    rows["transferFrom mid-batch → fresh address"] = { gas: transfer.gasUsed };
    rows["transferFrom mid-batch → fresh address (2nd)"] = { gas: transfer2.gasUsed };
    rows["checkIn 100"] = { gas: check.gasUsed, perTicket: check.gasUsed / 100n };
    const one = await p.buy(p.ticket, 0n, 1n, p.fan2);
    rows["buy 1"] = { gas: one.gasUsed };
    const ten = await p.buy(p.ticket, 0n, 10n, p.fan2);
    rows["buy 10"] = { gas: ten.gasUsed, perTicket: ten.gasUsed / 10n };
    const single = await p.checkIn(p.ticket, [102n]);
    rows["checkIn 1"] = { gas: single.gasUsed };
    rows["LIFECYCLE (mint share + transfer + check-in share)"] = {
      gas: mint.gasUsed / 100n + transfer.gasUsed + check.gasUsed / 100n,
    };
  });
});
