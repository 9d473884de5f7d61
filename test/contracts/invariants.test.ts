import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, keccak256, parseEther, toHex, zeroAddress, zeroHash, type Hex } from "viem";
import { mined } from "./fixtures";
import { platformFixture } from "./platform";

/**
 * Randomised sequences of buy / mintBatch / mintOrder / transfer / checkIn / cancel / refund / proceeds /
 * credit / withdraw / time travel against the real contracts, next to a plain TypeScript model. Every
 * action must succeed exactly when the model says it may; after every step:
 *  - the escrow's native balance equals totalOwed(native), which equals the model's proceeds + credits;
 *  - the sum of balanceOf over all holders equals totalMinted;
 *  - ownerOf of every token matches the model (and so do isCheckedIn and primaryPaid);
 *  - no tier ever sells more than its supply.
 */

const TIERS = [
  { price: parseEther("0.1"), supply: 4 },
  { price: parseEther("0.05"), supply: 30 },
] as const;
const REFS: Hex[] = Array.from({ length: 24 }, (_, i) => keccak256(toHex(`order-${i}`)));

async function invariantFixture() {
  const p = await platformFixture();
  const event = await p.createEvent({ tiers: TIERS });
  return { ...p, ...event, actors: [p.fan1, p.fan2, p.fan3, p.stranger] };
}

type Action =
  | { kind: "buy"; actor: number; tier: number; quantity: number }
  | { kind: "mintBatch"; tier: number; recipients: number[]; ref: number }
  | { kind: "mintOrder"; tier: number; actor: number; quantity: number; ref: number }
  | { kind: "transfer"; token: number; to: number }
  | { kind: "checkIn"; tokens: number[] }
  | { kind: "cancel" }
  | { kind: "refund"; token: number }
  | { kind: "warp" }
  | { kind: "withdrawProceeds" }
  | { kind: "credit"; actor: number; amount: bigint }
  | { kind: "withdraw"; actor: number };

const actor = fc.integer({ min: 0, max: 3 });
const tier = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }); // 2 does not exist
const ref = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: REFS.length - 1 })); // -1 = no reference
const token = fc.nat(1_000); // picked modulo the tickets minted so far (+1: sometimes nonexistent)

const buyArb = fc.record({ kind: fc.constant("buy" as const), actor, tier, quantity: fc.integer({ min: 0, max: 11 }) });
const mintBatchArb = fc.record({
  kind: fc.constant("mintBatch" as const),
  tier,
  recipients: fc.array(actor, { minLength: 0, maxLength: 6 }),
  ref,
});
const mintOrderArb = fc.record({ kind: fc.constant("mintOrder" as const), tier, actor, quantity: fc.integer({ min: 0, max: 6 }), ref });
const transferArb = fc.record({ kind: fc.constant("transfer" as const), token, to: actor });
const checkInArb = fc.record({ kind: fc.constant("checkIn" as const), tokens: fc.array(token, { minLength: 0, maxLength: 4 }) });
const refundArb = fc.record({ kind: fc.constant("refund" as const), token });
const creditArb = fc.record({ kind: fc.constant("credit" as const), actor, amount: fc.bigInt({ min: 1n, max: parseEther("1") }) });
const withdrawArb = fc.record({ kind: fc.constant("withdraw" as const), actor });
const proceedsArb = fc.constant({ kind: "withdrawProceeds" as const });

/** While sales are open: mostly issuing and moving tickets. */
const openAction: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: buyArb },
  { weight: 3, arbitrary: mintBatchArb },
  { weight: 2, arbitrary: mintOrderArb },
  { weight: 4, arbitrary: transferArb },
  { weight: 2, arbitrary: checkInArb },
  { weight: 1, arbitrary: refundArb },
  { weight: 1, arbitrary: proceedsArb },
  { weight: 2, arbitrary: creditArb },
  { weight: 2, arbitrary: withdrawArb },
);
/** After the turning point: anything, with refunds and payouts more likely. */
const laterAction: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: buyArb },
  { weight: 1, arbitrary: mintBatchArb },
  { weight: 3, arbitrary: transferArb },
  { weight: 2, arbitrary: checkInArb },
  { weight: 4, arbitrary: refundArb },
  { weight: 2, arbitrary: proceedsArb },
  { weight: 1, arbitrary: creditArb },
  { weight: 2, arbitrary: withdrawArb },
  { weight: 1, arbitrary: fc.constant({ kind: "cancel" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "warp" as const }) },
);
/** Open sales, then maybe a cancellation or the show starting (or both attempted), then more. */
const sequenceArb: fc.Arbitrary<Action[]> = fc
  .tuple(
    fc.array(openAction, { minLength: 3, maxLength: 10 }),
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<Action[]>([]) },
      { weight: 2, arbitrary: fc.constant<Action[]>([{ kind: "cancel" }]) },
      { weight: 2, arbitrary: fc.constant<Action[]>([{ kind: "warp" }]) },
      { weight: 1, arbitrary: fc.constant<Action[]>([{ kind: "cancel" }, { kind: "warp" }]) },
    ),
    fc.array(laterAction, { minLength: 0, maxLength: 8 }),
  )
  .map(([open, turn, later]) => [...open, ...turn, ...later]);

class Model {
  owners: number[] = []; // token id - 1 -> actor index
  paid: bigint[] = []; // token id - 1 -> primary price paid on chain
  checkedIn = new Set<number>();
  refunded = new Set<number>();
  usedRefs = new Set<number>();
  sold = [0, 0];
  cancelled = false;
  started = false;
  proceeds = 0n;
  credits = [0n, 0n, 0n, 0n];

  get minted() {
    return this.owners.length;
  }
  /** A token id from a random pick: 1..minted, or minted + 1 (nonexistent) one time in ten. */
  pick(n: number) {
    return n % 10 === 0 || this.minted === 0 ? this.minted + 1 : (Math.floor(n / 10) % this.minted) + 1;
  }
  exists(id: number) {
    return id >= 1 && id <= this.minted;
  }
  salesOpen() {
    return !this.cancelled && !this.started;
  }
  canIssue(tierId: number, quantity: number) {
    return this.salesOpen() && tierId < TIERS.length && quantity <= TIERS[tierId].supply - this.sold[tierId];
  }
  issue(tierId: number, to: number[], paid: boolean) {
    for (const a of to) {
      this.owners.push(a);
      this.paid.push(paid ? TIERS[tierId].price : 0n);
    }
    this.sold[tierId] += to.length;
  }
}

describe("invariants (fast-check over the real contracts)", function () {
  this.timeout(600_000);

  it("hold after every step of random action sequences", async function () {
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (actions) => {
        const p = await loadFixture(invariantFixture);
        const m = new Model();
        const who = (i: number) => p.actors[i];
        const address = (i: number) => getAddress(p.actors[i].account.address);

        /** Runs `write`: it must succeed when `ok`, revert otherwise. */
        const attempt = async (ok: boolean, label: string, write: () => Promise<Hex>) => {
          if (ok) {
            await mined(write());
          } else {
            const reverted = await write().then(
              () => false,
              () => true,
            );
            expect(reverted, `${label} should have reverted`).to.equal(true);
          }
          return ok;
        };

        for (const [step, a] of actions.entries()) {
          const label = `step ${step}: ${JSON.stringify(a, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`;
          switch (a.kind) {
            case "buy": {
              const ok = a.quantity >= 1 && a.quantity <= 10 && m.canIssue(a.tier, a.quantity);
              const price = a.tier < TIERS.length ? TIERS[a.tier].price : 0n;
              if (
                await attempt(ok, label, () =>
                  p.ticket.write.buy([BigInt(a.tier), BigInt(a.quantity)], {
                    value: price * BigInt(a.quantity),
                    account: who(a.actor).account,
                  }),
                )
              ) {
                m.issue(a.tier, Array(a.quantity).fill(a.actor), true);
                m.proceeds += price * BigInt(a.quantity);
              }
              break;
            }
            case "mintBatch": {
              const ok = a.recipients.length > 0 && (a.ref < 0 || !m.usedRefs.has(a.ref)) && m.canIssue(a.tier, a.recipients.length);
              const batchRef = a.ref < 0 ? zeroHash : REFS[a.ref];
              if (
                await attempt(ok, label, () =>
                  p.ticket.write.mintBatch([BigInt(a.tier), a.recipients.map(address), batchRef], { account: p.minter.account }),
                )
              ) {
                if (a.ref >= 0) {
                  m.usedRefs.add(a.ref);
                  expect(await p.ticket.read.tokenForOrder([batchRef]), `${label}: tokenForOrder`).to.equal(BigInt(m.minted + 1));
                }
                m.issue(a.tier, a.recipients, false);
              }
              break;
            }
            case "mintOrder": {
              const ok = a.quantity >= 1 && (a.ref < 0 || !m.usedRefs.has(a.ref)) && m.canIssue(a.tier, a.quantity);
              const orderRef = a.ref < 0 ? zeroHash : REFS[a.ref];
              if (
                await attempt(ok, label, () =>
                  p.ticket.write.mintOrder([BigInt(a.tier), address(a.actor), BigInt(a.quantity), orderRef], {
                    account: p.minter.account,
                  }),
                )
              ) {
                const first = m.minted + 1;
                if (a.ref >= 0) {
                  m.usedRefs.add(a.ref);
                  expect(await p.ticket.read.tokenForOrder([orderRef])).to.equal(BigInt(first));
                }
                m.issue(a.tier, Array(a.quantity).fill(a.actor), false);
              }
              break;
            }
            case "transfer": {
              const id = m.pick(a.token);
              const exists = m.exists(id);
              const from = exists ? m.owners[id - 1] : 0;
              const ok = exists && !m.cancelled && !m.checkedIn.has(id);
              if (
                await attempt(ok, label, () =>
                  p.ticket.write.transferFrom([address(from), address(a.to), BigInt(id)], { account: who(from).account }),
                )
              ) {
                m.owners[id - 1] = a.to;
              }
              break;
            }
            case "checkIn": {
              const ids = a.tokens.map((t) => m.pick(t));
              const ok =
                !m.cancelled &&
                ids.every((id) => m.exists(id) && !m.checkedIn.has(id)) &&
                new Set(ids).size === ids.length;
              if (await attempt(ok, label, () => p.ticket.write.checkIn([ids.map(BigInt)], { account: p.scanner.account }))) {
                ids.forEach((id) => m.checkedIn.add(id));
              }
              break;
            }
            case "cancel": {
              const ok = !m.cancelled && !m.started;
              if (await attempt(ok, label, () => p.ticket.write.cancelEvent({ account: p.promoter.account }))) {
                m.cancelled = true;
              }
              break;
            }
            case "refund": {
              const id = m.pick(a.token);
              const exists = m.exists(id);
              const holder = exists ? m.owners[id - 1] : 0;
              const ok = m.cancelled && exists && !m.refunded.has(id) && m.paid[id - 1] > 0n;
              if (
                await attempt(ok, label, () =>
                  p.escrow.write.claimRefund([p.ticket.address, BigInt(id)], { account: who(holder).account }),
                )
              ) {
                m.refunded.add(id);
                m.proceeds -= m.paid[id - 1];
              }
              break;
            }
            case "warp": {
              if (!m.started) await time.increaseTo(p.startsAt);
              m.started = true;
              break;
            }
            case "withdrawProceeds": {
              const ok = m.started && !m.cancelled && m.proceeds > 0n;
              if (await attempt(ok, label, () => p.escrow.write.withdrawProceeds([p.ticket.address], { account: p.promoter.account }))) {
                m.proceeds = 0n;
              }
              break;
            }
            case "credit": {
              await mined(
                p.escrow.write.credit([zeroAddress, [address(a.actor)], [a.amount]], {
                  value: a.amount,
                  account: p.marketplaceAccount.account,
                }),
              );
              m.credits[a.actor] += a.amount;
              break;
            }
            case "withdraw": {
              const ok = m.credits[a.actor] > 0n;
              if (await attempt(ok, label, () => p.escrow.write.withdraw([zeroAddress], { account: who(a.actor).account }))) {
                m.credits[a.actor] = 0n;
              }
              break;
            }
          }

          // ---- invariants ----
          const ids = Array.from({ length: m.minted }, (_, i) => BigInt(i + 1));
          const [escrowBalance, owed, minted, balances, owners, tiers, checked, paid] = await Promise.all([
            p.balance(p.escrow.address),
            p.escrow.read.totalOwed([zeroAddress]),
            p.ticket.read.totalMinted(),
            Promise.all(p.actors.map((w) => p.ticket.read.balanceOf([w.account.address]))),
            Promise.all(ids.map((id) => p.ticket.read.ownerOf([id]))),
            Promise.all([0n, 1n].map((t) => p.ticket.read.tier([t]))),
            Promise.all(ids.map((id) => p.ticket.read.isCheckedIn([id]))),
            Promise.all(ids.map((id) => p.ticket.read.primaryPaid([id]))),
          ]);
          expect(escrowBalance, `${label}: escrow balance == totalOwed`).to.equal(owed);
          expect(owed, `${label}: totalOwed == proceeds + credits`).to.equal(m.proceeds + m.credits.reduce((x, y) => x + y));
          expect(minted, `${label}: totalMinted`).to.equal(BigInt(m.minted));
          expect(balances.reduce((x, y) => x + y), `${label}: sum of balances == totalMinted`).to.equal(minted);
          expect(owners.map((o) => getAddress(o)), `${label}: owners`).to.deep.equal(m.owners.map((o) => address(o)));
          expect(checked, `${label}: check-ins`).to.deep.equal(ids.map((id) => m.checkedIn.has(Number(id))));
          expect(paid, `${label}: primaryPaid`).to.deep.equal(m.paid);
          tiers.forEach((t, i) => {
            expect(t.sold, `${label}: sold of tier ${i}`).to.equal(m.sold[i]);
            expect(t.sold <= t.supply, `${label}: tier ${i} oversold`).to.equal(true);
          });
        }
      }),
      { numRuns: 20, verbose: 1 },
    );
  });
});
