/**
 * Property test of the marketplace (fast-check): random sequences of list / fill / cancel / nonce bump /
 * direct transfer over three traders and seven tickets, checked against a model after every step:
 *  - every fill succeeds exactly when the model says it should, and otherwise fails with the error
 *    (name and arguments) the model predicts;
 *  - the escrow owes exactly what buyers paid in (and holds it), split between the payees;
 *  - filled(order) ≤ order.amount, and equals the model;
 *  - every ticket is owned by exactly one account, the one the model says.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { zeroAddress, type Address, type Hex } from "viem";
import { expectRevert, mined } from "./fixtures";
import { CAP, FACE, marketFixture, type Order } from "./market-fixture";

const TOKENS = [1n, 2n, 3n, 4n, 5n, 6n, 7n];
const PRICES = [0n, 1n, FACE, CAP];

async function invariantFixture() {
  const m = await marketFixture();
  const { ticket, market, buyer, buyer2, buy } = m;
  await buy(ticket, 1n, 2n, buyer); // tokens 4, 5
  await buy(ticket, 1n, 2n, buyer2); // tokens 6, 7
  for (const w of [buyer, buyer2]) {
    await mined(ticket.write.setApprovalForAll([market.address, true], { account: w.account }));
  }
  const owedAtStart = await m.escrow.read.totalOwed([zeroAddress]);
  return { ...m, traders: [m.seller, buyer, buyer2], owedAtStart };
}

type Action =
  | { kind: "list"; token: number; price: number; notOwner: boolean; staleNonce: boolean }
  | { kind: "fill"; order: number; latest: boolean; buyerOffset: number }
  | { kind: "cancel"; order: number; byOther: boolean }
  | { kind: "bump"; seller: number }
  | { kind: "transfer"; token: number; to: number };

const trader = fc.integer({ min: 0, max: 2 });
/** Mostly false: a listing by someone who does not hold the ticket, or with an outdated nonce. */
const rarely = fc.constantFrom(false, false, false, false, true);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({
      kind: fc.constant("list" as const),
      token: fc.integer({ min: 0, max: 6 }),
      price: fc.integer({ min: 0, max: 3 }),
      notOwner: rarely,
      staleNonce: rarely,
    }) },
  { weight: 4, arbitrary: fc.record({
      kind: fc.constant("fill" as const),
      order: fc.nat(),
      latest: fc.boolean(), // the order listed last (most likely still open), else any
      buyerOffset: fc.constantFrom(1, 1, 1, 2, 2, 2, 0), // 0: the seller itself
    }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), order: fc.nat(), byOther: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("bump" as const), seller: trader }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("transfer" as const), token: fc.integer({ min: 0, max: 6 }), to: trader }) },
);

describe("Marketplace invariants (fast-check)", function () {
  it("escrow owes what buyers paid, fills stay within orders, each ticket has one owner", async function () {
    this.timeout(120_000);
    const outcomes: Record<string, number> = {};
    const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 16 }), async (actions) => {
        const m = await loadFixture(invariantFixture);
        const { market, ticket, escrow, traders } = m;
        const address = (i: number) => traders[i].account.address;

        // The model.
        const owner = new Map<bigint, number>([[1n, 0], [2n, 0], [3n, 0], [4n, 1], [5n, 1], [6n, 2], [7n, 2]]);
        const nonce = [0n, 0n, 0n];
        const listed: { order: Order; signature: Hex; hash: Hex; seller: number; filled: bigint; cancelled: boolean }[] = [];
        let paid = 0n;
        let salt = 0n;

        for (const action of actions) {
          if (action.kind === "list") {
            const tokenId = TOKENS[action.token];
            const seller = (owner.get(tokenId)! + (action.notOwner ? 1 : 0)) % 3;
            const o: Order = m.order({
              seller: address(seller),
              tokenId,
              price: PRICES[action.price],
              nonce: action.staleNonce ? nonce[seller] + 1n : nonce[seller],
              salt: ++salt,
            });
            listed.push({ order: o, signature: await m.sign(o), hash: m.hashOf(o), seller, filled: 0n, cancelled: false });
          } else if (action.kind === "fill" && listed.length > 0) {
            const l = listed[action.latest ? listed.length - 1 : action.order % listed.length];
            const o = l.order;
            const buyer = (l.seller + action.buyerOffset) % 3;
            const write = m.fill(o, { from: traders[buyer], signature: l.signature });
            if (o.nonce !== nonce[l.seller]) {
              count("MarketplaceInvalidNonce");
              await expectRevert(write, "MarketplaceInvalidNonce", [o.seller, o.nonce, nonce[l.seller]]);
            } else if (l.cancelled) {
              count("MarketplaceOrderCancelled");
              await expectRevert(write, "MarketplaceOrderCancelled", [l.hash]);
            } else if (l.filled === o.amount) {
              count("MarketplaceInvalidFillAmount");
              await expectRevert(write, "MarketplaceInvalidFillAmount", [l.hash, 1n, 0n]);
            } else if (buyer === l.seller) {
              count("MarketplaceBuyerIsSeller");
              await expectRevert(write, "MarketplaceBuyerIsSeller", [o.seller]);
            } else if (owner.get(o.tokenId) !== l.seller) {
              count("MarketplaceSellerCannotDeliver");
              await expectRevert(write, "MarketplaceSellerCannotDeliver", [o.seller]);
            } else {
              count("filled");
              await mined(write);
              l.filled += 1n;
              owner.set(o.tokenId, buyer);
              paid += o.price;
            }
          } else if (action.kind === "cancel" && listed.length > 0) {
            const l = listed[action.order % listed.length];
            const caller = action.byOther ? (l.seller + 1) % 3 : l.seller;
            const write = market.write.cancel([l.order], { account: traders[caller].account });
            if (caller !== l.seller) {
              await expectRevert(write, "MarketplaceNotSeller", [address(caller), l.order.seller]);
            } else if (l.cancelled) {
              await expectRevert(write, "MarketplaceOrderCancelled", [l.hash]);
            } else {
              await mined(write);
              l.cancelled = true;
            }
          } else if (action.kind === "bump") {
            await mined(market.write.incrementNonce({ account: traders[action.seller].account }));
            nonce[action.seller] += 1n;
          } else if (action.kind === "transfer") {
            const tokenId = TOKENS[action.token];
            const from = owner.get(tokenId)!;
            await mined(
              ticket.write.transferFrom([address(from), address(action.to), tokenId], { account: traders[from].account }),
            );
            owner.set(tokenId, action.to);
          }

          // Invariants.
          const owed = await escrow.read.totalOwed([zeroAddress]);
          expect(owed - m.owedAtStart, "escrow owes what buyers paid").to.equal(paid);
          expect(await m.balance(escrow.address), "escrow holds what it owes").to.equal(owed);
          const credited = await Promise.all(
            [...traders.map((t) => t.account.address), m.promoter.account.address, m.treasury.account.address].map(
              (a: Address) => m.credits(a),
            ),
          );
          expect(credited.reduce((s, c) => s + c, 0n), "credits add up to the payments").to.equal(paid);
          for (const l of listed) {
            const filled = await market.read.filled([l.hash]);
            expect(filled <= l.order.amount, "filled ≤ amount").to.equal(true);
            expect(filled).to.equal(l.filled);
          }
          let held = 0n;
          for (let i = 0; i < 3; i++) held += await ticket.read.balanceOf([address(i)]);
          expect(held, "the seven tickets are held once each").to.equal(7n);
          for (const tokenId of TOKENS) {
            expect((await ticket.read.ownerOf([tokenId])).toLowerCase()).to.equal(address(owner.get(tokenId)!));
          }
        }
      }),
      { numRuns: 40 },
    );
    console.log(`      fill outcomes: ${JSON.stringify(outcomes)}`);
  });
});
