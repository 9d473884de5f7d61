/**
 * Property test of the fractions vault: fast-check draws random sequences of fractionalize / share
 * transfers / redeem / buyout / cashOut / ticket transfers / check-ins / event cancellation + collectRefund
 * over two events and four accounts. A small reference model predicts whether each step succeeds and
 * what a cash-out pays; after every step the chain must agree with the model and these invariants hold:
 *  - totalSupply(id) == shares minted − shares burned (counted from the TransferSingle logs);
 *  - the accounts' balances of id sum to totalSupply(id);
 *  - the vault's native balance == Σ unpaid payouts (payout − paid out) == the model's;
 *  - every ticket is in exactly one place: the vault iff its fraction is Locked or Refunded, otherwise
 *    the account the model says, and the tickets' balances add up to the tickets minted.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, parseEventLogs, type Address, type TransactionReceipt } from "viem";
import { mined } from "./fixtures";
import { fractionIdOf, fractionsFixture, VaultState } from "./fractions-fixture";
import type { Ticket, WalletClient } from "./platform";

const NUM_RUNS = 20;
const MAX_STEPS = 30;

async function invariantsFixture() {
  const f = await fractionsFixture();
  const { vault, fan1, fan2, fan3, stranger, buy, mintBatch, createEvent } = f;
  const b = await createEvent({ name: "Second Night" });
  await buy(b.ticket, 1n, 2n, fan2); // B1, B2
  await mintBatch(b.ticket, 1n, [fan3.account.address]); // B3 (card)
  const actors = [fan1, fan2, fan3, stranger];
  for (const actor of actors) {
    for (const t of [f.ticket, b.ticket]) {
      await mined(t.write.setApprovalForAll([vault.address, true], { account: actor.account }));
    }
  }
  return { ...f, ticketB: b.ticket, actors };
}

/**
 * One step. Tickets and accounts are drawn as raw numbers and resolved against the model when the step
 * runs: with `aim` (most steps) the ticket is one that has a fraction vault and the account one that
 * holds shares (or owns the ticket, for fractionalize), so that the interesting paths are actually taken;
 * without it, anything goes (mostly reverts, which the model must predict as well).
 */
type Action =
  | { kind: "fractionalize"; aim: boolean; actor: number; ticket: number; shares: number; price: bigint }
  | { kind: "transferShares"; aim: boolean; from: number; to: number; ticket: number; part: number }
  | { kind: "gather"; aim: boolean; to: number; ticket: number }
  | { kind: "redeem"; aim: boolean; actor: number; ticket: number }
  | { kind: "buyout"; aim: boolean; actor: number; ticket: number }
  | { kind: "cashOut"; aim: boolean; actor: number; ticket: number }
  | { kind: "transferTicket"; aim: boolean; to: number; ticket: number }
  | { kind: "checkIn"; aim: boolean; ticket: number }
  | { kind: "cancel"; event: number }
  | { kind: "collectRefund"; aim: boolean; ticket: number };

const NUM_TICKETS = 8;
const aim = fc.integer({ min: 0, max: 9 }).map((n) => n < 8);
const actor = fc.nat(999);
const ticketIndex = fc.nat(999);
const step = <K extends string, T>(kind: K, fields: { [F in keyof T]: fc.Arbitrary<T[F]> }) =>
  fc.record({ kind: fc.constant(kind), aim, ...fields } as never) as fc.Arbitrary<{ kind: K; aim: boolean } & T>;
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 10,
    arbitrary: step("fractionalize", {
      actor,
      ticket: ticketIndex,
      shares: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(1_000_000, 999_983)),
      price: fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 18n }), fc.constantFrom(1n, 7n, 10n ** 18n + 1n)),
    }),
  },
  {
    weight: 8,
    arbitrary: step("transferShares", {
      from: actor,
      to: actor,
      ticket: ticketIndex,
      part: fc.integer({ min: 0, max: 5 }), // quarters of the balance (4 = all); 5 = one more than held
    }),
  },
  { weight: 2, arbitrary: step("gather", { to: actor, ticket: ticketIndex }) },
  { weight: 4, arbitrary: step("redeem", { actor, ticket: ticketIndex }) },
  { weight: 8, arbitrary: step("buyout", { actor, ticket: ticketIndex }) },
  { weight: 8, arbitrary: step("cashOut", { actor, ticket: ticketIndex }) },
  { weight: 2, arbitrary: step("transferTicket", { to: actor, ticket: ticketIndex }) },
  { weight: 1, arbitrary: step("checkIn", { ticket: ticketIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), event: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 6, arbitrary: step("collectRefund", { ticket: ticketIndex }) },
);

/** Steps of the end of a sequence: mostly settling (refunds, cash-outs). */
const settleArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 10, arbitrary: step("cashOut", { actor, ticket: ticketIndex }) },
  { weight: 5, arbitrary: step("collectRefund", { ticket: ticketIndex }) },
  { weight: 3, arbitrary: step("buyout", { actor, ticket: ticketIndex }) },
  { weight: 3, arbitrary: step("transferShares", { from: actor, to: actor, ticket: ticketIndex, part: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: step("gather", { to: actor, ticket: ticketIndex }) },
  { weight: 1, arbitrary: step("redeem", { actor, ticket: ticketIndex }) },
);

/**
 * A sequence: some steps, then (in most runs) one event is cancelled while vaults are locked, then
 * settling steps (refund collections, buyouts, cash-outs). Cancellations can also happen anywhere.
 */
const sequenceArb: fc.Arbitrary<Action[]> = fc
  .tuple(
    fc.array(actionArb, { minLength: 8, maxLength: MAX_STEPS - 12, size: "max" }),
    fc.option(fc.record({ kind: fc.constant("cancel" as const), event: fc.constantFrom(0, 0, 1) }), { freq: 3 }),
    fc.array(settleArb, { minLength: 0, maxLength: 11, size: "max" }),
  )
  .map(([before, cancel, after]) => [...before, ...(cancel ? [cancel] : []), ...after]);

interface ModelVault {
  state: number;
  totalShares: bigint;
  supply: bigint;
  buyoutPrice: bigint;
  payout: bigint;
  paidOut: bigint;
  balances: bigint[]; // per actor
}

describe("FractionalTicketOwnership invariants", function () {
  it(`hold over ${NUM_RUNS} random sequences of up to ${MAX_STEPS} steps`, async function () {
    // Every run executes (no time-based skipping: under coverage on a busy machine that skipped most runs and
    // failed the property for "too many pre-condition failures"); the mocha timeout bounds a long shrink.
    this.timeout(600_000);
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (actions) => {
        const f = await loadFixture(invariantsFixture);
        await runSequence(f, actions);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

async function runSequence(f: Awaited<ReturnType<typeof invariantsFixture>>, actions: Action[]) {
  const { vault, ticket: ticketA, ticketB, actors, promoter, scanner, publicClient } = f;
  const VAULT = getAddress(vault.address);
  const who = (i: number) => getAddress(actors[i].account.address);

  // The eight tickets: [contract, tokenId, event index, primary paid, face value].
  const A = ticketA;
  const B = ticketB;
  const tickets: { t: Ticket; tokenId: bigint; event: number; paid: bigint; face: bigint }[] = [];
  for (const tokenId of [1n, 2n, 3n, 4n, 5n]) {
    tickets.push({ t: A, tokenId, event: 0, paid: await A.read.primaryPaid([tokenId]), face: (await A.read.ticketData([tokenId])).price });
  }
  for (const tokenId of [1n, 2n, 3n]) {
    tickets.push({ t: B, tokenId, event: 1, paid: await B.read.primaryPaid([tokenId]), face: (await B.read.ticketData([tokenId])).price });
  }
  const events = [A, B];

  // Model
  const owner: Address[] = await Promise.all(tickets.map(async (k) => getAddress(await k.t.read.ownerOf([k.tokenId]))));
  const checkedIn = tickets.map(() => false);
  const cancelled = [false, false];
  const ids = tickets.map((k) => fractionIdOf(k.t.address, k.tokenId));
  const vaults: (ModelVault | undefined)[] = tickets.map(() => undefined);
  const ghostMinted = tickets.map(() => 0n);
  const ghostBurned = tickets.map(() => 0n);
  const actorIndex = (a: Address) => actors.findIndex((w) => getAddress(w.account.address) === a);

  function countShares(receipt: TransactionReceipt) {
    const logs = receipt.logs.filter((l) => getAddress(l.address) === VAULT);
    for (const log of parseEventLogs({ abi: vault.abi, logs, eventName: "TransferSingle" })) {
      const k = ids.indexOf(log.args.id);
      if (log.args.from === "0x0000000000000000000000000000000000000000") ghostMinted[k] += log.args.value;
      if (log.args.to === "0x0000000000000000000000000000000000000000") ghostBurned[k] += log.args.value;
    }
  }

  /** Sends the write; returns its receipt, or undefined when it reverted. */
  async function attempt(write: () => Promise<`0x${string}`>): Promise<TransactionReceipt | undefined> {
    let hash: `0x${string}`;
    try {
      hash = await write();
    } catch {
      return undefined;
    }
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return receipt.status === "success" ? receipt : undefined;
  }

  function expectOutcome(step: string, predicted: boolean, receipt: TransactionReceipt | undefined) {
    expect(!!receipt, `${step}: predicted ${predicted ? "success" : "revert"}`).to.equal(predicted);
    if (receipt) countShares(receipt);
  }

  const from = (w: WalletClient) => ({ account: w.account });
  const log: string[] = [];

  /** The ticket a step acts on: with `aim`, one whose vault is in one of `states` (if any). */
  function pickTicket(aimed: boolean, n: number, states: number[] = [1, 2, 3, 4], onlyCancelled = false) {
    const candidates = tickets.map((_, i) => i).filter((i) => {
      const v = vaults[i];
      if (v === undefined || !states.includes(v.state)) return false;
      if (onlyCancelled && !cancelled[tickets[i].event]) return false;
      // settled vaults are only interesting while shares are outstanding
      return v.state === VaultState.Locked || v.state === VaultState.Redeemed || v.supply > 0n;
    });
    return aimed && candidates.length > 0 ? candidates[n % candidates.length] : n % NUM_TICKETS;
  }
  /** The account a step acts as: with `aim`, a holder of shares of ticket `k` (if any). */
  function pickHolder(aimed: boolean, k: number, n: number) {
    const holders = actors.map((_, i) => i).filter((i) => (vaults[k]?.balances[i] ?? 0n) > 0n);
    return aimed && holders.length > 0 ? holders[n % holders.length] : n % actors.length;
  }

  for (const raw of actions) {
    const a = resolve(raw);
    const step = `${log.length}: ${JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`;
    log.push(step);
    switch (a.kind) {
      case "fractionalize": {
        const k = tickets[a.ticket];
        const v = vaults[a.ticket];
        const ok =
          a.shares >= 2 &&
          owner[a.ticket] === who(a.actor) &&
          !cancelled[k.event] &&
          !checkedIn[a.ticket] &&
          (v === undefined || v.supply === 0n);
        const r = await attempt(() =>
          vault.write.fractionalize([k.t.address, k.tokenId, BigInt(a.shares), a.price], from(actors[a.actor])),
        );
        expectOutcome(step, ok, r);
        if (ok) {
          const shares = BigInt(a.shares);
          const balances = actors.map(() => 0n);
          balances[a.actor] = shares;
          vaults[a.ticket] = { state: VaultState.Locked, totalShares: shares, supply: shares, buyoutPrice: a.price, payout: 0n, paidOut: 0n, balances };
          owner[a.ticket] = VAULT;
        }
        break;
      }
      case "transferShares": {
        const v = vaults[a.ticket];
        const held = v?.balances[a.from] ?? 0n;
        const amount = a.part <= 4 ? (held * BigInt(a.part)) / 4n : held + 1n;
        const ok = amount <= held;
        const r = await attempt(() =>
          vault.write.safeTransferFrom([who(a.from), who(a.to), ids[a.ticket], amount, "0x"], from(actors[a.from])),
        );
        expectOutcome(step, ok, r);
        if (ok && v) {
          v.balances[a.from] -= amount;
          v.balances[a.to] += amount;
        }
        break;
      }
      case "gather": {
        const v = vaults[a.ticket];
        for (let i = 0; i < actors.length; i++) {
          const held = v?.balances[i] ?? 0n;
          if (i === a.to || held === 0n) continue;
          const r = await attempt(() =>
            vault.write.safeTransferFrom([who(i), who(a.to), ids[a.ticket], held, "0x"], from(actors[i])),
          );
          expectOutcome(`${step} (from ${i})`, true, r);
          v!.balances[i] = 0n;
          v!.balances[a.to] += held;
        }
        break;
      }
      case "redeem": {
        const k = tickets[a.ticket];
        const v = vaults[a.ticket];
        const ok =
          v !== undefined &&
          v.state === VaultState.Locked &&
          v.balances[a.actor] === v.supply &&
          !cancelled[k.event] &&
          !checkedIn[a.ticket];
        const r = await attempt(() => vault.write.redeem([ids[a.ticket]], from(actors[a.actor])));
        expectOutcome(step, ok, r);
        if (ok) {
          v.balances[a.actor] = 0n;
          v.supply = 0n;
          v.state = VaultState.Redeemed;
          owner[a.ticket] = who(a.actor);
        }
        break;
      }
      case "buyout": {
        const k = tickets[a.ticket];
        const v = vaults[a.ticket];
        const ok = v !== undefined && v.state === VaultState.Locked && !cancelled[k.event] && !checkedIn[a.ticket];
        const value = v?.buyoutPrice ?? 1n;
        const r = await attempt(() => vault.write.buyout([ids[a.ticket]], { value, ...from(actors[a.actor]) }));
        expectOutcome(step, ok, r);
        if (ok) {
          v.state = VaultState.BoughtOut;
          v.payout = value;
          owner[a.ticket] = who(a.actor);
        }
        break;
      }
      case "cashOut": {
        const v = vaults[a.ticket];
        const held = v?.balances[a.actor] ?? 0n;
        const ok = v !== undefined && (v.state === VaultState.BoughtOut || v.state === VaultState.Refunded) && held > 0n;
        const r = await attempt(() => vault.write.cashOut([ids[a.ticket]], from(actors[a.actor])));
        expectOutcome(step, ok, r);
        if (ok && r) {
          const expected = held === v.supply ? v.payout - v.paidOut : (v.payout * held) / v.totalShares;
          const [event] = parseEventLogs({
            abi: vault.abi,
            logs: r.logs.filter((l) => getAddress(l.address) === VAULT),
            eventName: "SharesCashedOut",
          });
          expect(event.args.amount, `${step}: amount`).to.equal(expected);
          expect(event.args.shares, `${step}: shares`).to.equal(held);
          v.balances[a.actor] = 0n;
          v.supply -= held;
          v.paidOut += expected;
        }
        break;
      }
      case "transferTicket": {
        const k = tickets[a.ticket];
        const current = owner[a.ticket];
        const holder = actorIndex(current);
        const ok = holder >= 0 && !cancelled[k.event] && !checkedIn[a.ticket];
        const r = await attempt(() =>
          k.t.write.transferFrom([current, who(a.to), k.tokenId], from(actors[holder >= 0 ? holder : 0])),
        );
        expectOutcome(step, ok, r);
        if (ok) owner[a.ticket] = who(a.to);
        break;
      }
      case "checkIn": {
        const k = tickets[a.ticket];
        // A ticket in the vault cannot be checked in (it could never leave the vault again).
        const inVault = owner[a.ticket] === VAULT;
        const ok = !cancelled[k.event] && !checkedIn[a.ticket] && !inVault;
        const r = await attempt(() => k.t.write.checkIn([[k.tokenId]], from(scanner)));
        expectOutcome(step, ok, r);
        if (ok) checkedIn[a.ticket] = true;
        break;
      }
      case "cancel": {
        const ok = !cancelled[a.event];
        const r = await attempt(() => events[a.event].write.cancelEvent(from(promoter)));
        expectOutcome(step, ok, r);
        if (ok) cancelled[a.event] = true;
        break;
      }
      case "collectRefund": {
        const k = tickets[a.ticket];
        const v = vaults[a.ticket];
        const ok = v !== undefined && v.state === VaultState.Locked && cancelled[k.event];
        const r = await attempt(() => vault.write.collectRefund([ids[a.ticket]], from(actors[0])));
        expectOutcome(step, ok, r);
        if (ok) {
          v.state = VaultState.Refunded;
          v.payout = k.paid; // 0 for a card-minted ticket
        }
        break;
      }
    }
    await checkInvariants(step);
  }
  await checkInvariants("end", true);

  function resolve(r: Action): Action {
    switch (r.kind) {
      case "fractionalize": {
        // aimed: a ticket an account may lock (owned, event on, not checked in, no shares outstanding)
        const lockable = tickets
          .map((_, i) => i)
          .filter(
            (i) =>
              actorIndex(owner[i]) >= 0 &&
              !cancelled[tickets[i].event] &&
              !checkedIn[i] &&
              (vaults[i]?.supply ?? 0n) === 0n,
          );
        const ticket = r.aim && lockable.length > 0 ? lockable[r.ticket % lockable.length] : r.ticket % NUM_TICKETS;
        const ownerIndex = actorIndex(owner[ticket]);
        return { ...r, ticket, actor: r.aim && ownerIndex >= 0 ? ownerIndex : r.actor % actors.length };
      }
      case "transferShares": {
        const ticket = pickTicket(r.aim, r.ticket);
        return { ...r, ticket, from: pickHolder(r.aim, ticket, r.from), to: r.to % actors.length };
      }
      case "redeem": {
        const ticket = pickTicket(r.aim, r.ticket, [VaultState.Locked]);
        return { ...r, ticket, actor: pickHolder(r.aim, ticket, r.actor) };
      }
      case "cashOut": {
        const ticket = pickTicket(r.aim, r.ticket, [VaultState.BoughtOut, VaultState.Refunded]);
        return { ...r, ticket, actor: pickHolder(r.aim, ticket, r.actor) };
      }
      case "buyout":
        return { ...r, ticket: pickTicket(r.aim, r.ticket, [VaultState.Locked]), actor: r.actor % actors.length };
      case "gather":
        return { ...r, ticket: pickTicket(r.aim, r.ticket), to: r.to % actors.length };
      case "transferTicket":
        return { ...r, ticket: r.ticket % NUM_TICKETS, to: r.to % actors.length };
      case "checkIn":
        return { ...r, ticket: pickTicket(r.aim, r.ticket, [VaultState.Locked]) };
      case "collectRefund":
        return { ...r, ticket: pickTicket(r.aim, r.ticket, [VaultState.Locked], true) };
      case "cancel":
        return r;
    }
  }

  /**
   * After every step: the share invariants for every ticket that has a vault, the ticket owners, the
   * vault's balance. `full` (end of the sequence) also checks the ids never fractionalized and that the
   * tickets' balances add up to the tickets minted.
   */
  async function checkInvariants(step: string, full = false) {
    let unpaid = 0n;
    for (let i = 0; i < tickets.length; i++) {
      const id = ids[i];
      const v = vaults[i];
      if (v || full) {
        const supply = await vault.read.totalSupply([id]);
        expect(supply, `${step}: totalSupply == minted − burned (#${i})`).to.equal(ghostMinted[i] - ghostBurned[i]);
        expect(supply, `${step}: totalSupply == model (#${i})`).to.equal(v?.supply ?? 0n);
        const balances = await vault.read.balanceOfBatch([actors.map((w) => w.account.address), actors.map(() => id)]);
        expect(balances.reduce((sum, x) => sum + x, 0n), `${step}: Σ balances == totalSupply (#${i})`).to.equal(supply);
        expect([...balances], `${step}: balances (#${i})`).to.deep.equal(v?.balances ?? actors.map(() => 0n));
        const onChain = await vault.read.vault([id]);
        expect(onChain.state, `${step}: state (#${i})`).to.equal(v?.state ?? VaultState.None);
        expect(onChain.payout, `${step}: payout (#${i})`).to.equal(v?.payout ?? 0n);
        if (v) expect(onChain.ticketPrice, `${step}: ticketPrice (#${i})`).to.equal(tickets[i].face);
        const left = await vault.read.unpaidPayout([id]);
        expect(left, `${step}: unpaid (#${i})`).to.equal(v ? v.payout - v.paidOut : 0n);
        unpaid += left;
      }
      const holder = getAddress(await tickets[i].t.read.ownerOf([tickets[i].tokenId]));
      expect(holder, `${step}: ticket #${i} owner`).to.equal(owner[i]);
      const inVault = v !== undefined && (v.state === VaultState.Locked || v.state === VaultState.Refunded);
      expect(holder === VAULT, `${step}: ticket #${i} in the vault iff Locked or Refunded`).to.equal(inVault);
    }
    expect(await publicClient.getBalance({ address: VAULT }), `${step}: vault balance == Σ unpaid`).to.equal(unpaid);
    if (!full) return;
    // every ticket is counted exactly once across the accounts and the vault
    for (const t of [A, B]) {
      const holders = [VAULT, ...actors.map((w) => getAddress(w.account.address))];
      const counts = await Promise.all(holders.map((h) => t.read.balanceOf([h])));
      expect(counts.reduce((sum, x) => sum + x, 0n), `${step}: tickets of ${t.address}`).to.equal(await t.read.totalMinted());
    }
  }
}
