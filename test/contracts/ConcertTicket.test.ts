import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  maxUint256,
  parseEther,
  toFunctionSelector,
  toHex,
  zeroAddress,
  zeroHash,
  type Address,
  type Hex,
} from "viem";
import { BASE_URI, EVENT_NAME, TIERS, blockTime, eventsOf, expectRevert, expectSame, mined } from "./fixtures";
import { RESALE_CAP_BPS, ROYALTY_BPS, addr, eventFixture } from "./platform";

const [SMALL, BIG] = TIERS; // tier 0: 0.1 ETH x 3 seats; tier 1: 0.25 ETH x 500 seats
const ref = (label: string): Hex => keccak256(toHex(label));
const role = (label: string, id: bigint) =>
  keccak256(encodeAbiParameters([{ type: "string" }, { type: "uint256" }], [label, id]));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

/** {eventFixture} + a contract receiver of each behaviour. */
async function ticketFixture() {
  const base = await eventFixture();
  const receivers = await Promise.all(
    [0, 1, 2, 3].map((behaviour) => hre.viem.deployContract("ERC721ReceiverMock", [behaviour])),
  );
  return { ...base, receivers };
}

describe("ConcertTicket", function () {
  describe("when freshly created by the factory", function () {
    it("has the event's name, symbol, facts, tiers and no tickets", async function () {
      const { ticket, promoter, factory, escrow, forwarder, startsAt } = await loadFixture(ticketFixture);
      expect(await ticket.read.name()).to.equal(EVENT_NAME);
      expect(await ticket.read.symbol()).to.equal("TICKET");
      expect(await ticket.read.eventId()).to.equal(1n);
      expect(addr(await ticket.read.promoter())).to.equal(addr(promoter.account.address));
      expect(addr(await ticket.read.factory())).to.equal(addr(factory.address));
      expect(addr(await ticket.read.escrow())).to.equal(addr(escrow.address));
      expect(addr(await ticket.read.trustedForwarder())).to.equal(addr(forwarder.address));
      expect(await ticket.read.startsAt()).to.equal(startsAt);
      expect(await ticket.read.royaltyBps()).to.equal(ROYALTY_BPS);
      expect(await ticket.read.resaleCapBps()).to.equal(RESALE_CAP_BPS);
      expect(await ticket.read.tierCount()).to.equal(2n);
      expectSame(await ticket.read.tier([0n]), { price: SMALL.price, supply: SMALL.supply, sold: 0 });
      expectSame(await ticket.read.tier([1n]), { price: BIG.price, supply: BIG.supply, sold: 0 });
      expect(await ticket.read.totalMinted()).to.equal(0n);
      expect(await ticket.read.isCancelled()).to.equal(false);
      expect(await ticket.read.MAX_PER_PURCHASE()).to.equal(10n);
      expect(await ticket.read.MINTER_ROLE()).to.equal(keccak256(toHex("MINTER_ROLE")));
    });

    it("rejects reading an unknown tier with TicketUnknownTier", async function () {
      const { ticket } = await loadFixture(ticketFixture);
      await expectRevert(ticket.read.tier([2n]), "TicketUnknownTier", [2n]);
    });

    it("cannot be initialised again, and the implementation cannot be initialised at all", async function () {
      const { ticket, ticketImplementation, stranger, input } = await loadFixture(ticketFixture);
      await expectRevert(
        ticket.write.initialize([9n, stranger.account.address, input], { account: stranger.account }),
        "InvalidInitialization",
      );
      await expectRevert(
        ticketImplementation.write.initialize([9n, stranger.account.address, input], { account: stranger.account }),
        "InvalidInitialization",
      );
    });

    it("supports ERC-165, ERC-721, ERC-721 metadata, EIP-2981 and ERC-4906 only", async function () {
      const { ticket } = await loadFixture(ticketFixture);
      for (const id of ["0x01ffc9a7", "0x80ac58cd", "0x5b5e139f", "0x2a55205a", "0x49064906"] as const) {
        expect(await ticket.read.supportsInterface([id]), id).to.equal(true);
      }
      expect(await ticket.read.supportsInterface(["0xffffffff"])).to.equal(false);
      expect(await ticket.read.supportsInterface(["0x780e9d63"])).to.equal(false); // not enumerable
    });
  });

  describe("when buying tickets", function () {
    it("mints consecutive tickets for the exact price and returns the first token id", async function () {
      const { ticket, fan1 } = await loadFixture(ticketFixture);
      const value = BIG.price * 2n;
      const { result } = await ticket.simulate.buy([1n, 2n], { value, account: fan1.account.address });
      expect(result).to.equal(1n);
      const receipt = await mined(ticket.write.buy([1n, 2n], { value, account: fan1.account }));
      expectSame(eventsOf(ticket, receipt, "Transfer"), [
        { from: zeroAddress, to: fan1.account.address, tokenId: 1n },
        { from: zeroAddress, to: fan1.account.address, tokenId: 2n },
      ]);
      expectSame(eventsOf(ticket, receipt, "TicketsPurchased"), [
        { buyer: fan1.account.address, tierId: 1n, firstTokenId: 1n, quantity: 2n, paid: value },
      ]);
      expect(addr(await ticket.read.ownerOf([1n]))).to.equal(addr(fan1.account.address));
      expect(addr(await ticket.read.ownerOf([2n]))).to.equal(addr(fan1.account.address));
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(2n);
      expect(await ticket.read.totalMinted()).to.equal(2n);
      expectSame(await ticket.read.tier([1n]), { price: BIG.price, supply: BIG.supply, sold: 2 });
    });

    it("pays the price into the escrow as the event's proceeds", async function () {
      const { ticket, escrow, fan1, fan2, balance } = await loadFixture(ticketFixture);
      const before = await balance(fan1.account.address);
      const receipt = await mined(ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan1.account }));
      expect(await balance(fan1.account.address)).to.equal(
        before - SMALL.price * 2n - receipt.gasUsed * receipt.effectiveGasPrice,
      );
      expectSame(eventsOf(escrow, receipt, "PrimaryDeposited"), [
        { ticket: ticket.address, buyer: fan1.account.address, firstTokenId: 1n, quantity: 2n, amount: SMALL.price * 2n },
      ]);
      await mined(ticket.write.buy([1n, 3n], { value: BIG.price * 3n, account: fan2.account }));
      const total = SMALL.price * 2n + BIG.price * 3n;
      expect(await balance(ticket.address)).to.equal(0n);
      expect(await balance(escrow.address)).to.equal(total);
      expect(await escrow.read.proceeds([ticket.address])).to.equal(total);
      expect(await escrow.read.totalOwed([zeroAddress])).to.equal(total);
    });

    it("records ticketData: tier, seat, price, mint time, original owner, URI, paid on chain", async function () {
      const { ticket, fan1, fan2 } = await loadFixture(ticketFixture);
      await mined(ticket.write.buy([1n, 1n], { value: BIG.price, account: fan2.account }));
      const receipt = await mined(ticket.write.buy([1n, 2n], { value: BIG.price * 2n, account: fan1.account }));
      expectSame(await ticket.read.ticketData([3n]), {
        eventId: 1n,
        tierId: 1n,
        seatNumber: 3n,
        price: BIG.price,
        mintedAt: await blockTime(receipt),
        isFractional: false,
        totalFractions: 0n,
        originalOwner: fan1.account.address,
        metadataURI: `${BASE_URI}3`,
        checkedIn: false,
        paidOnChain: true,
      });
      expect(await ticket.read.primaryPaid([3n])).to.equal(BIG.price);
    });

    it("numbers seats per tier while token ids are shared", async function () {
      const { ticket, fan1 } = await loadFixture(ticketFixture);
      await mined(ticket.write.buy([1n, 2n], { value: BIG.price * 2n, account: fan1.account }));
      await mined(ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan1.account }));
      await mined(ticket.write.buy([1n, 1n], { value: BIG.price, account: fan1.account }));
      const seats = await Promise.all(range(1, 5).map(async (id) => {
        const d = await ticket.read.ticketData([id]);
        return [d.tierId, d.seatNumber];
      }));
      expect(seats).to.deep.equal([[1n, 1n], [1n, 2n], [0n, 1n], [0n, 2n], [1n, 3n]]);
    });

    it("rejects 0 or more than MAX_PER_PURCHASE tickets with TicketInvalidQuantity", async function () {
      const { ticket, fan1 } = await loadFixture(ticketFixture);
      await expectRevert(ticket.write.buy([1n, 0n], { value: 0n, account: fan1.account }), "TicketInvalidQuantity", [0n]);
      await expectRevert(
        ticket.write.buy([1n, 11n], { value: BIG.price * 11n, account: fan1.account }),
        "TicketInvalidQuantity",
        [11n],
      );
      await mined(ticket.write.buy([1n, 10n], { value: BIG.price * 10n, account: fan1.account }));
    });

    it("rejects an unknown tier with TicketUnknownTier", async function () {
      const { ticket, fan1 } = await loadFixture(ticketFixture);
      await expectRevert(ticket.write.buy([2n, 1n], { value: BIG.price, account: fan1.account }), "TicketUnknownTier", [2n]);
    });

    it("rejects any payment but the exact price with TicketWrongPayment", async function () {
      const { ticket, fan1 } = await loadFixture(ticketFixture);
      await expectRevert(
        ticket.write.buy([1n, 2n], { value: BIG.price, account: fan1.account }),
        "TicketWrongPayment",
        [BIG.price * 2n, BIG.price],
      );
      await expectRevert(
        ticket.write.buy([1n, 1n], { value: BIG.price + 1n, account: fan1.account }),
        "TicketWrongPayment",
        [BIG.price, BIG.price + 1n],
      );
    });

    it("rejects buying more than is left with TicketSoldOut", async function () {
      const { ticket, fan1 } = await loadFixture(ticketFixture);
      await mined(ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan1.account }));
      await expectRevert(
        ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan1.account }),
        "TicketSoldOut",
        [0n, 2n, 1n],
      );
      await mined(ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan1.account }));
      await expectRevert(
        ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan1.account }),
        "TicketSoldOut",
        [0n, 1n, 0n],
      );
    });

    it("closes sales at startsAt with TicketSalesClosed", async function () {
      const { ticket, fan1, startsAt } = await loadFixture(ticketFixture);
      await time.increaseTo(startsAt);
      await expectRevert(ticket.write.buy([1n, 1n], { value: BIG.price, account: fan1.account }), "TicketSalesClosed", [
        startsAt,
      ]);
    });

    it("stops sales after cancellation with TicketEventCancelled", async function () {
      const { ticket, fan1, promoter } = await loadFixture(ticketFixture);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(ticket.write.buy([1n, 1n], { value: BIG.price, account: fan1.account }), "TicketEventCancelled", [
        1n,
      ]);
    });

    it("sells free tiers for zero", async function () {
      const { createEvent, fan1 } = await loadFixture(ticketFixture);
      const { ticket } = await createEvent({ tiers: [{ price: 0n, supply: 5 }] });
      await mined(ticket.write.buy([0n, 5n], { value: 0n, account: fan1.account }));
      expect(await ticket.read.primaryPaid([5n])).to.equal(0n);
    });
  });

  describe("when the minter issues card orders with mintBatch", function () {
    it("mints one ticket per recipient, records the batch reference and emits TicketsIssued", async function () {
      const { ticket, minter, fan1, fan2, fan3 } = await loadFixture(ticketFixture);
      const recipients = [fan1, fan1, fan2, fan1, fan3].map((w) => w.account.address);
      const { result } = await ticket.simulate.mintBatch([1n, recipients, ref("batch-1")], { account: minter.account.address });
      expect(result).to.equal(1n);
      const receipt = await mined(ticket.write.mintBatch([1n, recipients, ref("batch-1")], { account: minter.account }));
      expectSame(
        eventsOf(ticket, receipt, "Transfer"),
        recipients.map((to, i) => ({ from: zeroAddress, to, tokenId: BigInt(i + 1) })),
      );
      // The recipients are in the Transfer events; TicketsIssued carries the one batch reference.
      expectSame(eventsOf(ticket, receipt, "TicketsIssued"), [
        { tierId: 1n, batchRef: ref("batch-1"), firstTokenId: 1n, quantity: 5n },
      ]);
      expect(await ticket.read.tokenForOrder([ref("batch-1")])).to.equal(1n);
      for (const [i, to] of recipients.entries()) {
        expect(addr(await ticket.read.ownerOf([BigInt(i + 1)]))).to.equal(addr(to));
        const data = await ticket.read.ticketData([BigInt(i + 1)]);
        expect(data.seatNumber).to.equal(BigInt(i + 1));
        expect(addr(data.originalOwner)).to.equal(addr(to));
        expect(data.paidOnChain).to.equal(false);
      }
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(3n);
      expect(await ticket.read.balanceOf([fan2.account.address])).to.equal(1n);
      expect(await ticket.read.primaryPaid([1n])).to.equal(0n);
      expect(await ticket.read.tokenForOrder([ref("unknown")])).to.equal(0n);
      // a second batch starts where the first ended and records its own first token
      const second = await mined(ticket.write.mintBatch([1n, [fan3.account.address], ref("batch-2")], { account: minter.account }));
      expectSame(eventsOf(ticket, second, "TicketsIssued"), [
        { tierId: 1n, batchRef: ref("batch-2"), firstTokenId: 6n, quantity: 1n },
      ]);
      expect(await ticket.read.tokenForOrder([ref("batch-2")])).to.equal(6n);
    });

    it("records nothing for a bytes32(0) batch reference (complimentary tickets), any number of times", async function () {
      const { ticket, minter, fan1 } = await loadFixture(ticketFixture);
      const two = [fan1.account.address, fan1.account.address];
      const receipt = await mined(ticket.write.mintBatch([1n, two, zeroHash], { account: minter.account }));
      expectSame(eventsOf(ticket, receipt, "TicketsIssued"), [{ tierId: 1n, batchRef: zeroHash, firstTokenId: 1n, quantity: 2n }]);
      const again = await mined(ticket.write.mintBatch([1n, two, zeroHash], { account: minter.account }));
      expectSame(eventsOf(ticket, again, "TicketsIssued"), [{ tierId: 1n, batchRef: zeroHash, firstTokenId: 3n, quantity: 2n }]);
      expect(await ticket.read.tokenForOrder([zeroHash])).to.equal(0n);
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(4n);
    });

    it("rejects a batch reference minted before, by mintBatch or as a mintOrder reference", async function () {
      const { ticket, minter, fan1, fan2 } = await loadFixture(ticketFixture);
      const from = { account: minter.account };
      await mined(ticket.write.mintBatch([1n, [fan1.account.address, fan2.account.address], ref("a")], from));
      await expectRevert(
        ticket.write.mintBatch([1n, [fan2.account.address], ref("a")], from),
        "TicketOrderAlreadyFulfilled",
        [ref("a"), 1n],
      );
      await mined(ticket.write.mintOrder([1n, fan1.account.address, 2n, ref("o")], from)); // tokens 3..4
      await expectRevert(
        ticket.write.mintBatch([1n, [fan2.account.address], ref("o")], from),
        "TicketOrderAlreadyFulfilled",
        [ref("o"), 3n],
      );
      await expectRevert(
        ticket.write.mintOrder([1n, fan2.account.address, 1n, ref("a")], from),
        "TicketOrderAlreadyFulfilled",
        [ref("a"), 1n],
      );
      expect(await ticket.read.totalMinted()).to.equal(4n);
    });

    it("rejects a caller without MINTER_ROLE with TicketUnauthorized", async function () {
      const { ticket, promoter, admin, fan1, MINTER_ROLE } = await loadFixture(ticketFixture);
      for (const caller of [promoter, admin]) {
        await expectRevert(
          ticket.write.mintBatch([1n, [fan1.account.address], ref("a")], { account: caller.account }),
          "TicketUnauthorized",
          [caller.account.address, MINTER_ROLE],
        );
      }
    });

    it("rejects an empty list and a zero recipient, recording nothing", async function () {
      const { ticket, minter, fan1 } = await loadFixture(ticketFixture);
      const from = { account: minter.account };
      await expectRevert(ticket.write.mintBatch([1n, [], ref("a")], from), "TicketInvalidQuantity", [0n]);
      await expectRevert(
        ticket.write.mintBatch([1n, [fan1.account.address, zeroAddress], ref("a")], from),
        "ERC721InvalidReceiver",
        [zeroAddress],
      );
      expect(await ticket.read.tokenForOrder([ref("a")])).to.equal(0n);
      expect(await ticket.read.totalMinted()).to.equal(0n);
    });

    it("enforces tier, supply, sales window and cancellation like buy", async function () {
      const { ticket, minter, promoter, fan1 } = await loadFixture(ticketFixture);
      const from = { account: minter.account };
      const four = Array(4).fill(fan1.account.address) as Address[];
      await expectRevert(ticket.write.mintBatch([5n, [fan1.account.address], zeroHash], from), "TicketUnknownTier", [5n]);
      await expectRevert(ticket.write.mintBatch([0n, four, zeroHash], from), "TicketSoldOut", [0n, 4n, 3n]);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(ticket.write.mintBatch([1n, [fan1.account.address], zeroHash], from), "TicketEventCancelled", [1n]);
    });

    it("closes issuance at startsAt with TicketSalesClosed", async function () {
      const { ticket, minter, fan1, startsAt } = await loadFixture(ticketFixture);
      await time.increaseTo(startsAt + 1n);
      await expectRevert(
        ticket.write.mintBatch([1n, [fan1.account.address], zeroHash], { account: minter.account }),
        "TicketSalesClosed",
        [startsAt],
      );
    });
  });

  describe("when the minter issues one order of several tickets with mintOrder", function () {
    it("mints consecutive tickets to one holder under one reference and emits OrderIssued", async function () {
      const { ticket, minter, fan2 } = await loadFixture(ticketFixture);
      await mined(ticket.write.buy([1n, 1n], { value: BIG.price, account: fan2.account }));
      const args = [1n, fan2.account.address, 4n, ref("order-1")] as const;
      const { result } = await ticket.simulate.mintOrder([...args], { account: minter.account.address });
      expect(result).to.equal(2n);
      const receipt = await mined(ticket.write.mintOrder([...args], { account: minter.account }));
      expectSame(eventsOf(ticket, receipt, "OrderIssued"), [
        { orderRef: ref("order-1"), to: fan2.account.address, tierId: 1n, firstTokenId: 2n, quantity: 4n },
      ]);
      expect(eventsOf(ticket, receipt, "Transfer")).to.have.length(4);
      expect(await ticket.read.tokenForOrder([ref("order-1")])).to.equal(2n);
      expect(await ticket.read.balanceOf([fan2.account.address])).to.equal(5n);
      expect((await ticket.read.ticketData([5n])).seatNumber).to.equal(5n);
      await expectRevert(
        ticket.write.mintOrder([...args], { account: minter.account }),
        "TicketOrderAlreadyFulfilled",
        [ref("order-1"), 2n],
      );
      // the reference space is shared with mintBatch
      await expectRevert(
        ticket.write.mintBatch([1n, [fan2.account.address], ref("order-1")], { account: minter.account }),
        "TicketOrderAlreadyFulfilled",
        [ref("order-1"), 2n],
      );
    });

    it("accepts no reference, and rejects a non-minter, a zero holder, zero tickets and too many", async function () {
      const { ticket, minter, fan1, stranger, MINTER_ROLE } = await loadFixture(ticketFixture);
      const from = { account: minter.account };
      await mined(ticket.write.mintOrder([0n, fan1.account.address, 2n, zeroHash], from));
      await expectRevert(
        ticket.write.mintOrder([0n, fan1.account.address, 1n, zeroHash], { account: stranger.account }),
        "TicketUnauthorized",
        [stranger.account.address, MINTER_ROLE],
      );
      await expectRevert(ticket.write.mintOrder([0n, zeroAddress, 1n, zeroHash], from), "ERC721InvalidReceiver", [zeroAddress]);
      await expectRevert(ticket.write.mintOrder([0n, fan1.account.address, 0n, zeroHash], from), "TicketInvalidQuantity", [0n]);
      await expectRevert(ticket.write.mintOrder([0n, fan1.account.address, 2n, zeroHash], from), "TicketSoldOut", [0n, 2n, 1n]);
    });
  });

  describe("when long runs cross 128-token storage windows", function () {
    it("keeps owner, seat and original owner right for every token, before and after transfers", async function () {
      const { ticket, minter, fan1, fan2, fan3, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 3n, fan3); // tokens 1..3
      await mined(ticket.write.mintOrder([1n, fan1.account.address, 300n, ref("big")], { account: minter.account })); // 4..303
      const recipients = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? fan2 : fan3).account.address);
      await mined(ticket.write.mintBatch([1n, recipients, zeroHash], { account: minter.account })); // 304..453
      for (const id of [1n, 3n, 4n, 127n, 128n, 129n, 255n, 256n, 257n, 303n]) {
        const expected = id <= 3n ? fan3 : fan1;
        expect(addr(await ticket.read.ownerOf([id])), `owner of ${id}`).to.equal(addr(expected.account.address));
        expect((await ticket.read.ticketData([id])).seatNumber, `seat of ${id}`).to.equal(id);
      }
      for (const id of [304n, 383n, 384n, 385n, 453n]) {
        const expected = recipients[Number(id - 304n)];
        expect(addr(await ticket.read.ownerOf([id])), `owner of ${id}`).to.equal(addr(expected));
      }
      // move tokens on both sides of a window boundary; their neighbours are unaffected
      for (const id of [127n, 128n, 256n]) {
        await mined(ticket.write.transferFrom([fan1.account.address, fan2.account.address, id], { account: fan1.account }));
      }
      for (const id of [126n, 129n, 255n, 257n]) {
        expect(addr(await ticket.read.ownerOf([id]))).to.equal(addr(fan1.account.address));
      }
      for (const id of [127n, 128n, 256n]) {
        expect(addr(await ticket.read.ownerOf([id]))).to.equal(addr(fan2.account.address));
        expect(addr((await ticket.read.ticketData([id])).originalOwner)).to.equal(addr(fan1.account.address));
      }
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(297n);
      expect(await ticket.read.balanceOf([fan2.account.address])).to.equal(53n);
      expect(await ticket.read.balanceOf([fan3.account.address])).to.equal(103n);
    });

    it("finds the run of every token when one-ticket and window-aligned runs carry no head bit", async function () {
      const { ticket, minter, fan1, fan2, fan3, buy } = await loadFixture(ticketFixture);
      const [a, b, c] = [fan1, fan2, fan3].map((f) => addr(f.account.address));
      await buy(ticket, 1n, 3n, fan3); // 1..3: one run with a head bit
      // 4..126: one-ticket runs (alternating holders), then 127 alone at the end of window 0
      const singles = Array.from({ length: 124 }, (_, i) => (i % 2 === 0 ? fan1 : fan2).account.address);
      await mined(ticket.write.mintBatch([1n, singles, zeroHash], { account: minter.account }));
      // 128..131: an order that starts window 1 (no head bit); 132: one ticket; 133..135: a run with a head bit
      await mined(ticket.write.mintOrder([1n, fan3.account.address, 4n, ref("aligned")], { account: minter.account }));
      const tail = [fan1, fan2, fan2, fan2].map((f) => f.account.address);
      await mined(ticket.write.mintBatch([1n, tail, ref("tail")], { account: minter.account }));
      await buy(ticket, 1n, 1n, fan1); // 136: a one-ticket sale
      const expected = (id: bigint): Address => {
        if (id <= 3n) return c;
        if (id <= 127n) return addr(singles[Number(id - 4n)]);
        if (id <= 131n) return c;
        if (id === 132n) return a;
        if (id <= 135n) return b;
        return a;
      };
      const ids = [...range(1, 6), ...range(124, 136)];
      for (const id of ids) {
        expect(addr(await ticket.read.ownerOf([id])), `owner of ${id}`).to.equal(expected(id));
        const data = await ticket.read.ticketData([id]);
        expect(data.seatNumber, `seat of ${id}`).to.equal(id);
        expect(addr(data.originalOwner), `original owner of ${id}`).to.equal(expected(id));
      }
      // The first transfer out of each kind of run moves only that token.
      const sink: Address = "0x0000000000000000000000000000000000000009";
      const moves = [2n, 5n, 127n, 129n, 132n, 134n, 136n];
      for (const id of moves) {
        const from = [fan1, fan2, fan3].find((f) => addr(f.account.address) === expected(id))!;
        await mined(ticket.write.transferFrom([from.account.address, sink, id], { account: from.account }));
      }
      for (const id of ids) {
        expect(addr(await ticket.read.ownerOf([id])), `owner of ${id} after the transfers`).to.equal(
          moves.includes(id) ? addr(sink) : expected(id),
        );
        expect(addr((await ticket.read.ticketData([id])).originalOwner)).to.equal(expected(id));
      }
      expect(await ticket.read.balanceOf([c])).to.equal(3n + 4n - 2n);
    });
  });

  describe("when venue staff check tickets in", function () {
    it("marks the tickets and emits TicketCheckedIn and MetadataUpdate per ticket", async function () {
      const { ticket, scanner, fan1, buy, checkIn } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 3n, fan1);
      const receipt = await checkIn(ticket, [3n, 1n]);
      expectSame(eventsOf(ticket, receipt, "TicketCheckedIn"), [
        { tokenId: 3n, scanner: scanner.account.address },
        { tokenId: 1n, scanner: scanner.account.address },
      ]);
      expectSame(eventsOf(ticket, receipt, "MetadataUpdate"), [{ _tokenId: 3n }, { _tokenId: 1n }]);
      expect(await ticket.read.isCheckedIn([1n])).to.equal(true);
      expect(await ticket.read.isCheckedIn([2n])).to.equal(false);
      expect((await ticket.read.ticketData([3n])).checkedIn).to.equal(true);
    });

    it("checks in tickets spread over several storage words, and an empty list is a no-op", async function () {
      const { ticket, minter, fan1, checkIn } = await loadFixture(ticketFixture);
      await mined(ticket.write.mintOrder([1n, fan1.account.address, 400n, zeroHash], { account: minter.account }));
      const ids = [1n, 127n, 128n, 300n, 2n, 400n];
      await checkIn(ticket, ids);
      for (const id of ids) expect(await ticket.read.isCheckedIn([id])).to.equal(true);
      for (const id of [3n, 126n, 129n, 299n, 301n, 399n]) expect(await ticket.read.isCheckedIn([id])).to.equal(false);
      // ownership is untouched by the check-in bits
      expect(addr(await ticket.read.ownerOf([300n]))).to.equal(addr(fan1.account.address));
      const receipt = await checkIn(ticket, []);
      expect(eventsOf(ticket, receipt, "TicketCheckedIn")).to.have.length(0);
    });

    it("rejects a ticket checked in before, or twice in one call, with TicketAlreadyCheckedIn", async function () {
      const { ticket, scanner, fan1, buy, checkIn } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 3n, fan1);
      await checkIn(ticket, [2n]);
      await expectRevert(ticket.write.checkIn([[1n, 2n]], { account: scanner.account }), "TicketAlreadyCheckedIn", [2n]);
      await expectRevert(ticket.write.checkIn([[3n, 3n]], { account: scanner.account }), "TicketAlreadyCheckedIn", [3n]);
    });

    it("rejects nonexistent tickets with ERC721NonexistentToken", async function () {
      const { ticket, scanner, fan1, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 2n, fan1);
      await expectRevert(ticket.write.checkIn([[0n]], { account: scanner.account }), "ERC721NonexistentToken", [0n]);
      await expectRevert(ticket.write.checkIn([[1n, 3n]], { account: scanner.account }), "ERC721NonexistentToken", [3n]);
    });

    it("rejects anyone without scannerRole(eventId) with TicketUnauthorized, even the promoter", async function () {
      const p = await loadFixture(ticketFixture);
      await p.buy(p.ticket, 1n, 1n, p.fan1);
      for (const caller of [p.promoter, p.admin, p.fan1]) {
        await expectRevert(
          p.ticket.write.checkIn([[1n]], { account: caller.account }),
          "TicketUnauthorized",
          [caller.account.address, role("SCANNER", 1n)],
        );
      }
      // a scanner of another event is not a scanner of this one
      const other = await p.createEvent({ promoter: p.promoter2, grantScanner: false });
      await mined(
        p.factory.write.grantRole([await p.factory.read.scannerRole([other.eventId]), p.stranger.account.address], {
          account: p.promoter2.account,
        }),
      );
      await expectRevert(p.ticket.write.checkIn([[1n]], { account: p.stranger.account }), "TicketUnauthorized", [
        p.stranger.account.address,
        role("SCANNER", 1n),
      ]);
    });

    it("rejects a ticket held by the fractions vault with TicketFractionalized (it could never leave)", async function () {
      const p = await loadFixture(ticketFixture);
      const vault = await hre.viem.deployContract("FractionsMock");
      await p.setPlatformContracts({ fractions: vault.address });
      await p.buy(p.ticket, 1n, 3n, p.fan1);
      await mined(p.ticket.write.transferFrom([p.fan1.account.address, vault.address, 2n], { account: p.fan1.account }));
      await mined(p.ticket.write.transferFrom([p.fan1.account.address, p.fan2.account.address, 3n], { account: p.fan1.account }));
      await expectRevert(p.ticket.write.checkIn([[1n, 3n, 2n]], { account: p.scanner.account }), "TicketFractionalized", [2n]);
      // transferred tickets elsewhere and never-transferred ones check in
      await p.checkIn(p.ticket, [1n, 3n]);
      // with no vault configured, nothing is refused
      await mined(
        p.factory.write.setPlatformContracts([p.escrow.address, zeroAddress, zeroAddress], { account: p.admin.account }),
      );
      await p.checkIn(p.ticket, [2n]);
    });

    it("rejects check-in after cancellation with TicketEventCancelled", async function () {
      const { ticket, scanner, promoter, fan1, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 1n, fan1);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(ticket.write.checkIn([[1n]], { account: scanner.account }), "TicketEventCancelled", [1n]);
    });

    it("rejects isCheckedIn for a nonexistent ticket", async function () {
      const { ticket } = await loadFixture(ticketFixture);
      await expectRevert(ticket.read.isCheckedIn([1n]), "ERC721NonexistentToken", [1n]);
    });
  });

  describe("when the promoter cancels the event", function () {
    it("marks it cancelled and emits EventCancelled and BatchMetadataUpdate over all tickets", async function () {
      const { ticket, promoter, fan1, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 4n, fan1);
      const receipt = await mined(ticket.write.cancelEvent({ account: promoter.account }));
      expectSame(eventsOf(ticket, receipt, "EventCancelled"), [{ by: promoter.account.address }]);
      expectSame(eventsOf(ticket, receipt, "BatchMetadataUpdate"), [{ _fromTokenId: 1n, _toTokenId: 4n }]);
      expect(await ticket.read.isCancelled()).to.equal(true);
    });

    it("emits no BatchMetadataUpdate when no ticket exists", async function () {
      const { ticket, promoter } = await loadFixture(ticketFixture);
      const receipt = await mined(ticket.write.cancelEvent({ account: promoter.account }));
      expect(eventsOf(ticket, receipt, "EventCancelled")).to.have.length(1);
      expect(eventsOf(ticket, receipt, "BatchMetadataUpdate")).to.have.length(0);
    });

    it("lets any holder of promoterRole(eventId) cancel (e.g. granted by the admin)", async function () {
      const { ticket, factory, admin, stranger } = await loadFixture(ticketFixture);
      await mined(factory.write.grantRole([role("PROMOTER", 1n), stranger.account.address], { account: admin.account }));
      await mined(ticket.write.cancelEvent({ account: stranger.account }));
      expect(await ticket.read.isCancelled()).to.equal(true);
    });

    it("rejects anyone else with TicketUnauthorized, a second cancellation and a cancellation after the start", async function () {
      const { ticket, promoter, promoter2, admin, startsAt } = await loadFixture(ticketFixture);
      for (const caller of [promoter2, admin]) {
        await expectRevert(ticket.write.cancelEvent({ account: caller.account }), "TicketUnauthorized", [
          caller.account.address,
          role("PROMOTER", 1n),
        ]);
      }
      const snapshot = await hre.network.provider.send("evm_snapshot");
      await time.increaseTo(startsAt);
      await expectRevert(ticket.write.cancelEvent({ account: promoter.account }), "TicketCancelTooLate", [startsAt]);
      await hre.network.provider.send("evm_revert", [snapshot]);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(ticket.write.cancelEvent({ account: promoter.account }), "TicketEventCancelled", [1n]);
    });
  });

  describe("when tickets change hands (ERC-721)", function () {
    it("lets the owner transfer: ownership, balances, Transfer, original owner kept", async function () {
      const { ticket, fan1, fan2, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 3n, fan1);
      const receipt = await mined(ticket.write.transferFrom([fan1.account.address, fan2.account.address, 2n], { account: fan1.account }));
      expectSame(eventsOf(ticket, receipt, "Transfer"), [{ from: fan1.account.address, to: fan2.account.address, tokenId: 2n }]);
      expect(addr(await ticket.read.ownerOf([2n]))).to.equal(addr(fan2.account.address));
      expect(addr(await ticket.read.ownerOf([1n]))).to.equal(addr(fan1.account.address));
      expect(addr(await ticket.read.ownerOf([3n]))).to.equal(addr(fan1.account.address));
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(2n);
      expect(await ticket.read.balanceOf([fan2.account.address])).to.equal(1n);
      expect(addr((await ticket.read.ticketData([2n])).originalOwner)).to.equal(addr(fan1.account.address));
      // and back, and to oneself
      await mined(ticket.write.transferFrom([fan2.account.address, fan1.account.address, 2n], { account: fan2.account }));
      await mined(ticket.write.transferFrom([fan1.account.address, fan1.account.address, 2n], { account: fan1.account }));
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(3n);
      expect(await ticket.read.balanceOf([fan2.account.address])).to.equal(0n);
    });

    it("lets an approved account transfer once; the approval is cleared by the transfer", async function () {
      const { ticket, fan1, fan2, fan3, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 2n, fan1);
      const receipt = await mined(ticket.write.approve([fan2.account.address, 1n], { account: fan1.account }));
      expectSame(eventsOf(ticket, receipt, "Approval"), [
        { owner: fan1.account.address, approved: fan2.account.address, tokenId: 1n },
      ]);
      expect(addr(await ticket.read.getApproved([1n]))).to.equal(addr(fan2.account.address));
      await mined(ticket.write.transferFrom([fan1.account.address, fan3.account.address, 1n], { account: fan2.account }));
      expect(await ticket.read.getApproved([1n])).to.equal(zeroAddress);
      await expectRevert(
        ticket.write.transferFrom([fan3.account.address, fan2.account.address, 1n], { account: fan2.account }),
        "ERC721InsufficientApproval",
        [fan2.account.address, 1n],
      );
      // an approval of another token does not help
      await mined(ticket.write.approve([fan2.account.address, 2n], { account: fan1.account }));
      await expectRevert(
        ticket.write.transferFrom([fan3.account.address, fan2.account.address, 1n], { account: fan2.account }),
        "ERC721InsufficientApproval",
        [fan2.account.address, 1n],
      );
    });

    it("clears an approval with approve(zero); the ticket then moves only by its owner", async function () {
      const { ticket, fan1, fan2, fan3, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 3n, fan1);
      await mined(ticket.write.approve([fan2.account.address, 2n], { account: fan1.account }));
      const receipt = await mined(ticket.write.approve([zeroAddress, 2n], { account: fan1.account }));
      expectSame(eventsOf(ticket, receipt, "Approval"), [{ owner: fan1.account.address, approved: zeroAddress, tokenId: 2n }]);
      expect(await ticket.read.getApproved([2n])).to.equal(zeroAddress);
      await expectRevert(
        ticket.write.transferFrom([fan1.account.address, fan3.account.address, 2n], { account: fan2.account }),
        "ERC721InsufficientApproval",
        [fan2.account.address, 2n],
      );
      // approving zero on a token never approved changes nothing either
      await mined(ticket.write.approve([zeroAddress, 3n], { account: fan1.account }));
      await mined(ticket.write.transferFrom([fan1.account.address, fan3.account.address, 2n], { account: fan1.account }));
      expect(addr(await ticket.read.ownerOf([2n]))).to.equal(addr(fan3.account.address));
      expect(addr(await ticket.read.ownerOf([3n]))).to.equal(addr(fan1.account.address));
      // an approved, never transferred ticket keeps its original owner
      await mined(ticket.write.approve([fan2.account.address, 1n], { account: fan1.account }));
      expect(addr(await ticket.read.ownerOf([1n]))).to.equal(addr(fan1.account.address));
      expect(addr((await ticket.read.ticketData([1n])).originalOwner)).to.equal(addr(fan1.account.address));
    });

    it("lets an operator transfer and approve; revoking stops it", async function () {
      const { ticket, fan1, fan2, fan3, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 2n, fan1);
      const receipt = await mined(ticket.write.setApprovalForAll([fan2.account.address, true], { account: fan1.account }));
      expectSame(eventsOf(ticket, receipt, "ApprovalForAll"), [
        { owner: fan1.account.address, operator: fan2.account.address, approved: true },
      ]);
      expect(await ticket.read.isApprovedForAll([fan1.account.address, fan2.account.address])).to.equal(true);
      await mined(ticket.write.approve([fan3.account.address, 2n], { account: fan2.account }));
      expect(addr(await ticket.read.getApproved([2n]))).to.equal(addr(fan3.account.address));
      await mined(ticket.write.transferFrom([fan1.account.address, fan3.account.address, 1n], { account: fan2.account }));
      await mined(ticket.write.setApprovalForAll([fan2.account.address, false], { account: fan1.account }));
      await expectRevert(
        ticket.write.transferFrom([fan1.account.address, fan3.account.address, 2n], { account: fan2.account }),
        "ERC721InsufficientApproval",
        [fan2.account.address, 2n],
      );
    });

    it("rejects approve by anyone but the owner or an operator with ERC721InvalidApprover", async function () {
      const { ticket, fan1, fan2, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 1n, fan1);
      await expectRevert(
        ticket.write.approve([fan2.account.address, 1n], { account: fan2.account }),
        "ERC721InvalidApprover",
        [fan2.account.address],
      );
      await expectRevert(ticket.write.approve([fan2.account.address, 2n], { account: fan1.account }), "ERC721NonexistentToken", [2n]);
    });

    it("rejects a zero operator with ERC721InvalidOperator", async function () {
      const { ticket, fan1 } = await loadFixture(ticketFixture);
      await expectRevert(ticket.write.setApprovalForAll([zeroAddress, true], { account: fan1.account }), "ERC721InvalidOperator", [
        zeroAddress,
      ]);
    });

    it("rejects a wrong from, a zero recipient, a stranger and a nonexistent token", async function () {
      const { ticket, fan1, fan2, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 1n, fan1);
      await expectRevert(
        ticket.write.transferFrom([fan2.account.address, fan1.account.address, 1n], { account: fan1.account }),
        "ERC721IncorrectOwner",
        [fan2.account.address, 1n, fan1.account.address],
      );
      await expectRevert(
        ticket.write.transferFrom([fan1.account.address, zeroAddress, 1n], { account: fan1.account }),
        "ERC721InvalidReceiver",
        [zeroAddress],
      );
      await expectRevert(
        ticket.write.transferFrom([fan1.account.address, fan2.account.address, 1n], { account: fan2.account }),
        "ERC721InsufficientApproval",
        [fan2.account.address, 1n],
      );
      for (const id of [0n, 2n]) {
        await expectRevert(
          ticket.write.transferFrom([fan1.account.address, fan2.account.address, id], { account: fan1.account }),
          "ERC721NonexistentToken",
          [id],
        );
      }
    });

    it("locks checked-in tickets with TicketCheckedInNotTransferable", async function () {
      const { ticket, fan1, fan2, buy, checkIn } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 2n, fan1);
      await checkIn(ticket, [1n]);
      await expectRevert(
        ticket.write.transferFrom([fan1.account.address, fan2.account.address, 1n], { account: fan1.account }),
        "TicketCheckedInNotTransferable",
        [1n],
      );
      await mined(ticket.write.transferFrom([fan1.account.address, fan2.account.address, 2n], { account: fan1.account }));
    });

    it("stops transfers after cancellation with TicketEventCancelled", async function () {
      const { ticket, promoter, fan1, fan2, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 1n, fan1);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(
        ticket.write.transferFrom([fan1.account.address, fan2.account.address, 1n], { account: fan1.account }),
        "TicketEventCancelled",
        [1n],
      );
    });

    it("safeTransferFrom: to an account, to an accepting contract (with data), and rejections", async function () {
      const { ticket, fan1, fan2, buy, receivers } = await loadFixture(ticketFixture);
      const [accept, wrongValue, revertWithError, revertEmpty] = receivers;
      await buy(ticket, 1n, 5n, fan1);
      const from = { account: fan1.account };
      await mined(ticket.write.safeTransferFrom([fan1.account.address, fan2.account.address, 1n], from));
      expect(addr(await ticket.read.ownerOf([1n]))).to.equal(addr(fan2.account.address));
      const receipt = await mined(ticket.write.safeTransferFrom([fan1.account.address, accept.address, 2n, "0xbeef"], from));
      expectSame(eventsOf(accept, receipt, "Received"), [
        { operator: fan1.account.address, from: fan1.account.address, tokenId: 2n, data: "0xbeef" },
      ]);
      const r2 = await mined(ticket.write.safeTransferFrom([fan1.account.address, accept.address, 3n], from));
      expectSame(eventsOf(accept, r2, "Received"), [
        { operator: fan1.account.address, from: fan1.account.address, tokenId: 3n, data: "0x" },
      ]);
      await expectRevert(
        ticket.write.safeTransferFrom([fan1.account.address, wrongValue.address, 4n], from),
        "ERC721InvalidReceiver",
        [wrongValue.address],
      );
      await expectRevert(
        ticket.write.safeTransferFrom([fan1.account.address, revertWithError.address, 4n], from),
        "ReceiverRejected",
        [4n],
        revertWithError.abi,
      );
      await expectRevert(
        ticket.write.safeTransferFrom([fan1.account.address, revertEmpty.address, 4n], from),
        "ERC721InvalidReceiver",
        [revertEmpty.address],
      );
      // a contract without the hook at all
      await expectRevert(
        ticket.write.safeTransferFrom([fan1.account.address, ticket.address, 4n], from),
        "ERC721InvalidReceiver",
        [ticket.address],
      );
    });

    it("answers balanceOf / ownerOf / getApproved / tokenURI errors like OpenZeppelin", async function () {
      const { ticket } = await loadFixture(ticketFixture);
      await expectRevert(ticket.read.balanceOf([zeroAddress]), "ERC721InvalidOwner", [zeroAddress]);
      await expectRevert(ticket.read.ownerOf([1n]), "ERC721NonexistentToken", [1n]);
      await expectRevert(ticket.read.getApproved([1n]), "ERC721NonexistentToken", [1n]);
      await expectRevert(ticket.read.tokenURI([1n]), "ERC721NonexistentToken", [1n]);
      await expectRevert(ticket.read.ticketData([0n]), "ERC721NonexistentToken", [0n]);
      await expectRevert(ticket.read.resaleCap([1n]), "ERC721NonexistentToken", [1n]);
      await expectRevert(ticket.read.resaleTerms([1n, zeroAddress, 0n]), "ERC721NonexistentToken", [1n]);
      await expectRevert(ticket.read.primaryPaid([1n]), "ERC721NonexistentToken", [1n]);
    });
  });

  describe("when asked about royalties, resale caps and metadata", function () {
    it("pays royaltyBps of the sale price to the promoter (EIP-2981)", async function () {
      const { ticket, promoter } = await loadFixture(ticketFixture);
      expectSame(await ticket.read.royaltyInfo([1n, parseEther("2")]), [
        promoter.account.address,
        (parseEther("2") * BigInt(ROYALTY_BPS)) / 10_000n,
      ]);
      expectSame(await ticket.read.royaltyInfo([1n, 3n]), [promoter.account.address, 0n]);
    });

    it("caps resales at face value x resaleCapBps, or not at all when the cap is 0", async function () {
      const { ticket, createEvent, fan1, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 0n, 1n, fan1);
      await buy(ticket, 1n, 1n, fan1);
      expect(await ticket.read.resaleCap([1n])).to.equal((SMALL.price * BigInt(RESALE_CAP_BPS)) / 10_000n);
      expect(await ticket.read.resaleCap([2n])).to.equal((BIG.price * BigInt(RESALE_CAP_BPS)) / 10_000n);
      const { ticket: uncapped } = await createEvent({ resaleCapBps: 0 });
      await buy(uncapped, 0n, 1n, fan1);
      expect(await uncapped.read.resaleCap([1n])).to.equal(maxUint256);
    });

    it("answers resaleTerms with owner, operator approval, cap and royalty in one call", async function () {
      const { ticket, createEvent, promoter, fan1, fan2, fan3, stranger, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 0n, 1n, fan1); // 1
      await buy(ticket, 1n, 2n, fan1); // 2, 3
      const price = parseEther("2");
      const royalty = (price * BigInt(ROYALTY_BPS)) / 10_000n;
      const terms = (id: bigint, operator: Address, p = price) => ticket.read.resaleTerms([id, operator, p]);
      const expected = (owner: Address, operatorApproved: boolean, cap: bigint) => ({
        owner,
        operatorApproved,
        cap,
        royaltyReceiver: promoter.account.address,
        royalty,
      });
      const smallCap = (SMALL.price * BigInt(RESALE_CAP_BPS)) / 10_000n;
      const bigCap = (BIG.price * BigInt(RESALE_CAP_BPS)) / 10_000n;
      // the owner itself; a stranger; the zero address (never approved, even with a cleared token approval)
      expectSame(await terms(1n, fan1.account.address), expected(fan1.account.address, true, smallCap));
      expectSame(await terms(2n, stranger.account.address), expected(fan1.account.address, false, bigCap));
      // a token approval counts for that token only, and a cleared one is not an approval
      await mined(ticket.write.approve([fan2.account.address, 2n], { account: fan1.account }));
      expectSame(await terms(2n, fan2.account.address), expected(fan1.account.address, true, bigCap));
      expectSame(await terms(3n, fan2.account.address), expected(fan1.account.address, false, bigCap));
      await mined(ticket.write.approve([zeroAddress, 2n], { account: fan1.account }));
      expectSame(await terms(2n, fan2.account.address), expected(fan1.account.address, false, bigCap));
      expectSame(await terms(2n, zeroAddress), expected(fan1.account.address, false, bigCap));
      // an operator of the owner counts for every ticket; after a transfer the new owner's operators count
      await mined(ticket.write.setApprovalForAll([fan3.account.address, true], { account: fan1.account }));
      expectSame(await terms(3n, fan3.account.address), expected(fan1.account.address, true, bigCap));
      await mined(ticket.write.transferFrom([fan1.account.address, fan2.account.address, 3n], { account: fan1.account }));
      expectSame(await terms(3n, fan3.account.address), expected(fan2.account.address, false, bigCap));
      // royalty follows the sale price; an uncapped event answers type(uint256).max
      expect((await terms(1n, fan1.account.address, 3n)).royalty).to.equal(0n);
      const { ticket: uncapped } = await createEvent({ resaleCapBps: 0 });
      await buy(uncapped, 0n, 1n, fan1);
      expect((await uncapped.read.resaleTerms([1n, fan1.account.address, price])).cap).to.equal(maxUint256);
    });

    it("builds tokenURI from the base URI, and returns an empty URI without one", async function () {
      const { ticket, createEvent, fan1, buy } = await loadFixture(ticketFixture);
      await buy(ticket, 1n, 1n, fan1);
      expect(await ticket.read.tokenURI([1n])).to.equal(`${BASE_URI}1`);
      const { ticket: bare } = await createEvent({ baseURI: "" });
      await buy(bare, 1n, 1n, fan1);
      expect(await bare.read.tokenURI([1n])).to.equal("");
      expect((await bare.read.ticketData([1n])).metadataURI).to.equal("");
    });

    it("reports tickets held by the fractions vault as fractional with the vault's share count", async function () {
      const p = await loadFixture(ticketFixture);
      const vault = await hre.viem.deployContract("FractionsMock");
      await p.setPlatformContracts({ fractions: vault.address });
      await p.buy(p.ticket, 1n, 2n, p.fan1);
      await mined(p.ticket.write.safeTransferFrom([p.fan1.account.address, vault.address, 2n], { account: p.fan1.account }));
      const fractionId = BigInt(
        keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [p.ticket.address, 2n])),
      );
      await mined(vault.write.setTotalSupply([fractionId, 1000n]));
      const data = await p.ticket.read.ticketData([2n]);
      expect(data.isFractional).to.equal(true);
      expect(data.totalFractions).to.equal(1000n);
      expect((await p.ticket.read.ticketData([1n])).isFractional).to.equal(false);
    });

    it("tolerates a fractions vault that is an account or unset", async function () {
      const p = await loadFixture(ticketFixture);
      await p.buy(p.ticket, 1n, 1n, p.fan1);
      await mined(
        p.ticket.write.transferFrom([p.fan1.account.address, p.fractionsAccount.account.address, 1n], {
          account: p.fan1.account,
        }),
      );
      expectSame(
        [(await p.ticket.read.ticketData([1n])).isFractional, (await p.ticket.read.ticketData([1n])).totalFractions],
        [true, 0n],
      );
      await mined(
        p.factory.write.setPlatformContracts([p.escrow.address, zeroAddress, zeroAddress], { account: p.admin.account }),
      );
      expect((await p.ticket.read.ticketData([1n])).isFractional).to.equal(false);
    });
  });

  describe("when a hostile factory and escrow try to re-enter (the ticket's own guard)", function () {
    async function hostileFixture() {
      const base = await eventFixture();
      const hostile = await hre.viem.deployContract("HostileFactory");
      await mined(hostile.write.createTicket([base.ticketImplementation.address, base.input]));
      const ticket = await hre.viem.getContractAt("ConcertTicket", await hostile.read.ticket());
      return { ...base, hostile, ticket };
    }

    it("buy → depositPrimary re-entering buy is refused with ReentrancyGuardReentrantCall", async function () {
      const { hostile, ticket } = await loadFixture(hostileFixture);
      await mined(
        hostile.write.arm([encodeFunctionData({ abi: ticket.abi, functionName: "buy", args: [1n, 1n] }), BIG.price], {
          value: BIG.price,
        }),
      );
      await mined(hostile.write.buy([1n, 1n], { value: BIG.price }));
      expect(await hostile.read.reentryRevertData()).to.equal("0x3ee5aeb5"); // ReentrancyGuardReentrantCall()
      expect(await ticket.read.totalMinted()).to.equal(1n);
    });

    it("mintBatch and mintOrder → hasRole re-entering either is refused with ReentrancyGuardReentrantCall", async function () {
      const { hostile, ticket, fan1 } = await loadFixture(hostileFixture);
      const mintOrder = encodeFunctionData({
        abi: ticket.abi,
        functionName: "mintOrder",
        args: [1n, fan1.account.address, 1n, zeroHash],
      });
      const mintBatch = encodeFunctionData({
        abi: ticket.abi,
        functionName: "mintBatch",
        args: [1n, [fan1.account.address], zeroHash],
      });
      // the hostile factory answers hasRole only when its re-entry hit the guard (else the mint fails)
      await mined(hostile.write.arm([mintOrder, 0n]));
      await mined(ticket.write.mintBatch([1n, [fan1.account.address], zeroHash], { account: fan1.account }));
      await mined(hostile.write.arm([mintBatch, 0n]));
      await mined(ticket.write.mintOrder([1n, fan1.account.address, 2n, zeroHash], { account: fan1.account }));
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(3n);
      // a re-entry the guard does not cover (a view) makes the hostile factory fail the mint, as designed
      await mined(hostile.write.arm([encodeFunctionData({ abi: ticket.abi, functionName: "totalMinted" }), 0n]));
      await expectRevert(
        ticket.write.mintOrder([1n, fan1.account.address, 1n, zeroHash], { account: fan1.account }),
        "HostileUnexpected",
        [encodeAbiParameters([{ type: "uint256" }], [3n])],
        hostile.abi,
      );
    });
  });

  describe("when called through the ERC-2771 forwarder", function () {
    it("trusts only the platform forwarder", async function () {
      const { ticket, forwarder, fan1 } = await loadFixture(ticketFixture);
      expect(await ticket.read.isTrustedForwarder([forwarder.address])).to.equal(true);
      expect(await ticket.read.isTrustedForwarder([fan1.account.address])).to.equal(false);
      expect(toFunctionSelector("isTrustedForwarder(address)")).to.equal("0x572b6c05");
    });
  });
});
