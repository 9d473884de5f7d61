import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, keccak256, parseEther, toFunctionSelector, toHex, zeroAddress, type Hex } from "viem";
import {
  BASE_URI,
  blockTime,
  concertTicketFixture,
  EVENT_NAME,
  eventsOf,
  expectRevert,
  expectSame,
  mined,
  TIERS,
} from "./fixtures";

const [SMALL, BIG] = TIERS; // tier 0: 0.1 ETH x 3 seats; tier 1: 0.25 ETH x 50 seats

const orderRef = (label: string): Hex => keccak256(toHex(label));

describe("ConcertTicket", function () {
  describe("when freshly created by the factory", function () {
    it("has the event's name, symbol, tiers and no tickets", async function () {
      const { ticket, promoter, startsAt } = await loadFixture(concertTicketFixture);
      expect(await ticket.read.name()).to.equal(EVENT_NAME);
      expect(await ticket.read.symbol()).to.equal("TICKET");
      expectSame(await ticket.read.eventInfo(), [1n, promoter.account.address, startsAt, 0n]);
      expect(await ticket.read.tierCount()).to.equal(2n);
      expectSame(await ticket.read.tier([0n]), { price: SMALL.price, supply: SMALL.supply, sold: 0 });
      expectSame(await ticket.read.tier([1n]), { price: BIG.price, supply: BIG.supply, sold: 0 });
      expect(await ticket.read.totalMinted()).to.equal(0n);
      expect(await ticket.read.MAX_PER_PURCHASE()).to.equal(10n);
    });

    it("rejects reading an unknown tier with TicketUnknownTier", async function () {
      const { ticket } = await loadFixture(concertTicketFixture);
      await expectRevert(ticket.read.tier([2n]), "TicketUnknownTier", [2n]);
    });
  });

  describe("when buying tickets", function () {
    it("mints the tickets for the exact payment and returns the first token id", async function () {
      const { ticket, fan1 } = await loadFixture(concertTicketFixture);
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
      expect(getAddress(await ticket.read.ownerOf([1n]))).to.equal(getAddress(fan1.account.address));
      expect(getAddress(await ticket.read.ownerOf([2n]))).to.equal(getAddress(fan1.account.address));
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(2n);
      expect(await ticket.read.totalMinted()).to.equal(2n);
      expectSame(await ticket.read.tier([1n]), { price: BIG.price, supply: BIG.supply, sold: 2 });
    });

    it("moves the payment into the contract and accounts it as proceeds", async function () {
      const { ticket, fan1, fan2, publicClient, promoter, startsAt } = await loadFixture(concertTicketFixture);
      const before = await publicClient.getBalance({ address: fan1.account.address });
      const receipt = await mined(ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan1.account }));
      const gas = receipt.gasUsed * receipt.effectiveGasPrice;
      expect(await publicClient.getBalance({ address: fan1.account.address })).to.equal(before - SMALL.price * 2n - gas);
      await mined(ticket.write.buy([1n, 3n], { value: BIG.price * 3n, account: fan2.account }));

      const total = SMALL.price * 2n + BIG.price * 3n;
      expect(await publicClient.getBalance({ address: ticket.address })).to.equal(total);
      expectSame(await ticket.read.eventInfo(), [1n, promoter.account.address, startsAt, total]);
    });

    it("records ticketData with tier, seat, price, mint time and original owner", async function () {
      const { ticket, fan1 } = await loadFixture(concertTicketFixture);
      const receipt = await mined(ticket.write.buy([1n, 2n], { value: BIG.price * 2n, account: fan1.account }));
      const mintedAt = await blockTime(receipt);
      expectSame(await ticket.read.ticketData([2n]), {
        eventId: 1n,
        tierId: 1n,
        seatNumber: 2n,
        price: BIG.price,
        mintedAt,
        originalOwner: fan1.account.address,
      });
    });

    it("keeps the original owner after the ticket is transferred", async function () {
      const { ticket, fan1, fan2 } = await loadFixture(concertTicketFixture);
      await mined(ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan1.account }));
      const receipt = await mined(
        ticket.write.transferFrom([fan1.account.address, fan2.account.address, 1n], { account: fan1.account }),
      );
      expectSame(eventsOf(ticket, receipt, "Transfer"), [
        { from: fan1.account.address, to: fan2.account.address, tokenId: 1n },
      ]);
      expect(getAddress(await ticket.read.ownerOf([1n]))).to.equal(getAddress(fan2.account.address));
      expect(getAddress((await ticket.read.ticketData([1n])).originalOwner)).to.equal(getAddress(fan1.account.address));
    });

    it("numbers seats per tier while token ids run across tiers", async function () {
      const { ticket, fan1, fan2 } = await loadFixture(concertTicketFixture);
      await mined(ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan1.account })); // tokens 1,2
      await mined(ticket.write.buy([1n, 1n], { value: BIG.price, account: fan2.account })); // token 3
      await mined(ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan2.account })); // token 4
      await mined(ticket.write.buy([1n, 2n], { value: BIG.price * 2n, account: fan1.account })); // tokens 5,6

      const seats = [];
      for (let id = 1n; id <= 6n; id++) {
        const d = await ticket.read.ticketData([id]);
        seats.push([d.tierId, d.seatNumber, d.price]);
      }
      expectSame(seats, [
        [0n, 1n, SMALL.price],
        [0n, 2n, SMALL.price],
        [1n, 1n, BIG.price],
        [0n, 3n, SMALL.price],
        [1n, 2n, BIG.price],
        [1n, 3n, BIG.price],
      ]);
      expect(await ticket.read.totalMinted()).to.equal(6n);
    });

    it("accepts the maximum of 10 tickets in one purchase", async function () {
      const { ticket, fan1 } = await loadFixture(concertTicketFixture);
      const receipt = await mined(ticket.write.buy([1n, 10n], { value: BIG.price * 10n, account: fan1.account }));
      expect(eventsOf(ticket, receipt, "Transfer").map((t) => t.tokenId)).to.deep.equal([
        1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n,
      ]);
      expect(await ticket.read.balanceOf([fan1.account.address])).to.equal(10n);
    });

    describe("when the payment is not exact", function () {
      it("rejects overpayment with TicketWrongPayment(expected, received)", async function () {
        const { ticket, fan1 } = await loadFixture(concertTicketFixture);
        await expectRevert(
          ticket.write.buy([1n, 2n], { value: BIG.price * 2n + 1n, account: fan1.account }),
          "TicketWrongPayment",
          [BIG.price * 2n, BIG.price * 2n + 1n],
        );
        expect(await ticket.read.totalMinted()).to.equal(0n);
      });

      it("rejects underpayment with TicketWrongPayment(expected, received)", async function () {
        const { ticket, fan1 } = await loadFixture(concertTicketFixture);
        await expectRevert(
          ticket.write.buy([0n, 3n], { value: SMALL.price * 2n, account: fan1.account }),
          "TicketWrongPayment",
          [SMALL.price * 3n, SMALL.price * 2n],
        );
      });

      it("rejects a purchase with no payment at all", async function () {
        const { ticket, fan1 } = await loadFixture(concertTicketFixture);
        await expectRevert(ticket.write.buy([0n, 1n], { account: fan1.account }), "TicketWrongPayment", [
          SMALL.price,
          0n,
        ]);
      });
    });

    describe("when the quantity is out of range", function () {
      it("rejects 0 tickets with TicketInvalidQuantity(0)", async function () {
        const { ticket, fan1 } = await loadFixture(concertTicketFixture);
        await expectRevert(ticket.write.buy([1n, 0n], { value: 0n, account: fan1.account }), "TicketInvalidQuantity", [
          0n,
        ]);
      });

      it("rejects 11 tickets with TicketInvalidQuantity(11)", async function () {
        const { ticket, fan1 } = await loadFixture(concertTicketFixture);
        await expectRevert(
          ticket.write.buy([1n, 11n], { value: BIG.price * 11n, account: fan1.account }),
          "TicketInvalidQuantity",
          [11n],
        );
      });
    });

    describe("when the tier does not exist", function () {
      it("reverts with TicketUnknownTier", async function () {
        const { ticket, fan1 } = await loadFixture(concertTicketFixture);
        await expectRevert(ticket.write.buy([2n, 1n], { value: SMALL.price, account: fan1.account }), "TicketUnknownTier", [
          2n,
        ]);
      });
    });

    describe("when the tier has too few seats left", function () {
      it("reverts with TicketSoldOut(tier, requested, remaining) and sells the last seats", async function () {
        const { ticket, fan1, fan2 } = await loadFixture(concertTicketFixture);
        await mined(ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan1.account }));
        await expectRevert(
          ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan2.account }),
          "TicketSoldOut",
          [0n, 2n, 1n],
        );
        expectSame(await ticket.read.tier([0n]), { price: SMALL.price, supply: SMALL.supply, sold: 2 });

        await mined(ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan2.account }));
        await expectRevert(
          ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan2.account }),
          "TicketSoldOut",
          [0n, 1n, 0n],
        );
        expect(await ticket.read.totalMinted()).to.equal(3n);
      });
    });

    describe("when the show has started", function () {
      it("sells up to the second before startsAt", async function () {
        const { ticket, fan1, startsAt } = await loadFixture(concertTicketFixture);
        await time.setNextBlockTimestamp(startsAt - 1n);
        await mined(ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan1.account }));
        expect(await ticket.read.totalMinted()).to.equal(1n);
      });

      it("reverts with TicketSalesClosed(startsAt) at and after startsAt", async function () {
        const { ticket, fan1, startsAt } = await loadFixture(concertTicketFixture);
        await time.setNextBlockTimestamp(startsAt);
        await expectRevert(
          ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan1.account }),
          "TicketSalesClosed",
          [startsAt],
        );
        await time.increaseTo(startsAt + 3600n);
        await expectRevert(
          ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan1.account }),
          "TicketSalesClosed",
          [startsAt],
        );
      });
    });
  });

  describe("when the minter issues tickets for card orders (mintBatch)", function () {
    it("mints one ticket per recipient, records the order refs and emits Transfer + TicketIssued", async function () {
      const { ticket, minter, fan1, fan2, promoter, startsAt } = await loadFixture(concertTicketFixture);
      const refs = [orderRef("order-1/line-1"), orderRef("order-1/line-2")];
      const receipt = await mined(
        ticket.write.mintBatch([1n, [fan1.account.address, fan2.account.address], refs], { account: minter.account }),
      );

      expectSame(eventsOf(ticket, receipt, "Transfer"), [
        { from: zeroAddress, to: fan1.account.address, tokenId: 1n },
        { from: zeroAddress, to: fan2.account.address, tokenId: 2n },
      ]);
      expectSame(eventsOf(ticket, receipt, "TicketIssued"), [
        { tokenId: 1n, tierId: 1n, to: fan1.account.address, orderRef: refs[0] },
        { tokenId: 2n, tierId: 1n, to: fan2.account.address, orderRef: refs[1] },
      ]);
      expect(await ticket.read.tokenForOrder([refs[0]])).to.equal(1n);
      expect(await ticket.read.tokenForOrder([refs[1]])).to.equal(2n);
      expect(await ticket.read.tokenForOrder([orderRef("never-used")])).to.equal(0n);

      const mintedAt = await blockTime(receipt);
      expectSame(await ticket.read.ticketData([2n]), {
        eventId: 1n,
        tierId: 1n,
        seatNumber: 2n,
        price: BIG.price,
        mintedAt,
        originalOwner: fan2.account.address,
      });
      // Paid off chain: nothing is added to the on-chain proceeds.
      expectSame(await ticket.read.eventInfo(), [1n, promoter.account.address, startsAt, 0n]);
      expectSame(await ticket.read.tier([1n]), { price: BIG.price, supply: BIG.supply, sold: 2 });
    });

    it("shares the seat numbering and token ids with on-chain purchases", async function () {
      const { ticket, minter, fan1, fan2 } = await loadFixture(concertTicketFixture);
      await mined(ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan1.account }));
      await mined(ticket.write.mintBatch([0n, [fan2.account.address], [orderRef("a")]], { account: minter.account }));
      expect(await ticket.read.tokenForOrder([orderRef("a")])).to.equal(2n);
      expectSame((await ticket.read.ticketData([2n])).seatNumber, 2n);
    });

    describe("when the caller does not hold MINTER_ROLE on the factory", function () {
      it("reverts with TicketUnauthorized for a stranger, the promoter and the admin", async function () {
        const { ticket, stranger, promoter, admin, fan1 } = await loadFixture(concertTicketFixture);
        for (const caller of [stranger, promoter, admin]) {
          await expectRevert(
            ticket.write.mintBatch([0n, [fan1.account.address], [orderRef("x")]], { account: caller.account }),
            "TicketUnauthorized",
            [caller.account.address],
          );
        }
        expect(await ticket.read.totalMinted()).to.equal(0n);
      });

      it("follows role changes on the factory", async function () {
        const { ticket, factory, admin, minter, stranger, fan1, MINTER_ROLE } = await loadFixture(concertTicketFixture);
        await mined(factory.write.grantRole([MINTER_ROLE, stranger.account.address], { account: admin.account }));
        await mined(ticket.write.mintBatch([0n, [fan1.account.address], [orderRef("y")]], { account: stranger.account }));
        expect(await ticket.read.tokenForOrder([orderRef("y")])).to.equal(1n);

        await mined(factory.write.revokeRole([MINTER_ROLE, minter.account.address], { account: admin.account }));
        await expectRevert(
          ticket.write.mintBatch([0n, [fan1.account.address], [orderRef("z")]], { account: minter.account }),
          "TicketUnauthorized",
          [minter.account.address],
        );
      });
    });

    describe("when recipients and order refs differ in length", function () {
      it("reverts with TicketLengthMismatch(recipients, orderRefs)", async function () {
        const { ticket, minter, fan1, fan2 } = await loadFixture(concertTicketFixture);
        await expectRevert(
          ticket.write.mintBatch([1n, [fan1.account.address, fan2.account.address], [orderRef("only-one")]], {
            account: minter.account,
          }),
          "TicketLengthMismatch",
          [2n, 1n],
        );
        await expectRevert(
          ticket.write.mintBatch([1n, [fan1.account.address], [orderRef("a"), orderRef("b"), orderRef("c")]], {
            account: minter.account,
          }),
          "TicketLengthMismatch",
          [1n, 3n],
        );
      });
    });

    describe("when an order ref was already fulfilled", function () {
      it("rejects it in a later call with the token id issued for it", async function () {
        const { ticket, minter, fan1, fan2 } = await loadFixture(concertTicketFixture);
        const refs = [orderRef("r1"), orderRef("r2")];
        await mined(
          ticket.write.mintBatch([1n, [fan1.account.address, fan1.account.address], refs], { account: minter.account }),
        );
        await expectRevert(
          ticket.write.mintBatch([1n, [fan2.account.address, fan2.account.address], [orderRef("r3"), refs[1]]], {
            account: minter.account,
          }),
          "TicketOrderAlreadyFulfilled",
          [refs[1], 2n],
        );
        // The whole retry reverted: r3 was not fulfilled and no extra ticket exists.
        expect(await ticket.read.tokenForOrder([orderRef("r3")])).to.equal(0n);
        expect(await ticket.read.totalMinted()).to.equal(2n);
      });

      it("rejects a duplicate within the same call with the id minted earlier in that call", async function () {
        const { ticket, minter, fan1, fan2 } = await loadFixture(concertTicketFixture);
        await mined(ticket.write.mintBatch([0n, [fan1.account.address], [orderRef("first")]], { account: minter.account }));
        const dup = orderRef("dup");
        await expectRevert(
          ticket.write.mintBatch([1n, [fan1.account.address, fan2.account.address, fan2.account.address], [orderRef("ok"), dup, dup]], {
            account: minter.account,
          }),
          "TicketOrderAlreadyFulfilled",
          [dup, 3n],
        );
        expect(await ticket.read.tokenForOrder([dup])).to.equal(0n);
        expect(await ticket.read.totalMinted()).to.equal(1n);
      });
    });

    describe("when the tier cannot cover the batch", function () {
      it("reverts with TicketSoldOut for the first ticket over the cap and mints nothing", async function () {
        const { ticket, minter, fan1 } = await loadFixture(concertTicketFixture);
        const to = Array(4).fill(fan1.account.address);
        const refs = ["s1", "s2", "s3", "s4"].map(orderRef);
        await expectRevert(ticket.write.mintBatch([0n, to, refs], { account: minter.account }), "TicketSoldOut", [
          0n,
          1n,
          0n,
        ]);
        expect(await ticket.read.totalMinted()).to.equal(0n);
      });

      it("enforces the cap shared with on-chain sales", async function () {
        const { ticket, minter, fan1, fan2 } = await loadFixture(concertTicketFixture);
        await mined(ticket.write.buy([0n, 3n], { value: SMALL.price * 3n, account: fan1.account }));
        await expectRevert(
          ticket.write.mintBatch([0n, [fan2.account.address], [orderRef("late")]], { account: minter.account }),
          "TicketSoldOut",
          [0n, 1n, 0n],
        );
      });
    });

    describe("when the tier does not exist or the show has started", function () {
      it("reverts with TicketUnknownTier", async function () {
        const { ticket, minter, fan1 } = await loadFixture(concertTicketFixture);
        await expectRevert(
          ticket.write.mintBatch([7n, [fan1.account.address], [orderRef("t")]], { account: minter.account }),
          "TicketUnknownTier",
          [7n],
        );
      });

      it("reverts with TicketSalesClosed(startsAt)", async function () {
        const { ticket, minter, fan1, startsAt } = await loadFixture(concertTicketFixture);
        await time.increaseTo(startsAt);
        await expectRevert(
          ticket.write.mintBatch([0n, [fan1.account.address], [orderRef("t")]], { account: minter.account }),
          "TicketSalesClosed",
          [startsAt],
        );
      });
    });
  });

  describe("when withdrawing proceeds", function () {
    async function withProceeds() {
      const fx = await loadFixture(concertTicketFixture);
      const { ticket, fan1, fan2 } = fx;
      await mined(ticket.write.buy([0n, 2n], { value: SMALL.price * 2n, account: fan1.account }));
      await mined(ticket.write.buy([1n, 4n], { value: BIG.price * 4n, account: fan2.account }));
      return { ...fx, proceeds: SMALL.price * 2n + BIG.price * 4n };
    }

    describe("when the show has not started", function () {
      it("reverts with TicketEventNotOver(startsAt), even one second before", async function () {
        const { ticket, promoter, startsAt } = await withProceeds();
        await expectRevert(ticket.write.withdrawProceeds({ account: promoter.account }), "TicketEventNotOver", [
          startsAt,
        ]);
        await time.setNextBlockTimestamp(startsAt - 1n);
        await expectRevert(ticket.write.withdrawProceeds({ account: promoter.account }), "TicketEventNotOver", [
          startsAt,
        ]);
      });
    });

    describe("when the caller is not the promoter", function () {
      it("reverts with TicketUnauthorized for a fan, the minter and the factory admin", async function () {
        const { ticket, fan1, minter, admin, startsAt } = await withProceeds();
        await time.increaseTo(startsAt);
        for (const caller of [fan1, minter, admin]) {
          await expectRevert(ticket.write.withdrawProceeds({ account: caller.account }), "TicketUnauthorized", [
            caller.account.address,
          ]);
        }
      });
    });

    describe("when nothing was sold on chain", function () {
      it("reverts with TicketNothingToWithdraw, even if tickets were minted for card orders", async function () {
        const { ticket, promoter, minter, fan1, startsAt } = await loadFixture(concertTicketFixture);
        await mined(ticket.write.mintBatch([0n, [fan1.account.address], [orderRef("card")]], { account: minter.account }));
        await time.increaseTo(startsAt);
        await expectRevert(ticket.write.withdrawProceeds({ account: promoter.account }), "TicketNothingToWithdraw", []);
      });
    });

    describe("when the show has started and there are proceeds", function () {
      it("sends everything to the promoter at startsAt and emits ProceedsWithdrawn", async function () {
        const { ticket, promoter, startsAt, proceeds, publicClient } = await withProceeds();
        const before = await publicClient.getBalance({ address: promoter.account.address });
        await time.setNextBlockTimestamp(startsAt);
        const receipt = await mined(ticket.write.withdrawProceeds({ account: promoter.account }));

        expectSame(eventsOf(ticket, receipt, "ProceedsWithdrawn"), [{ promoter: promoter.account.address, amount: proceeds }]);
        const gas = receipt.gasUsed * receipt.effectiveGasPrice;
        expect(await publicClient.getBalance({ address: promoter.account.address })).to.equal(before + proceeds - gas);
        expect(await publicClient.getBalance({ address: ticket.address })).to.equal(0n);
        expectSame(await ticket.read.eventInfo(), [1n, promoter.account.address, startsAt, 0n]);
      });

      it("rejects a second withdrawal with TicketNothingToWithdraw", async function () {
        const { ticket, promoter, startsAt } = await withProceeds();
        await time.increaseTo(startsAt + 1n);
        await mined(ticket.write.withdrawProceeds({ account: promoter.account }));
        await expectRevert(ticket.write.withdrawProceeds({ account: promoter.account }), "TicketNothingToWithdraw", []);
      });
    });

    describe("when the promoter is a contract that re-enters withdrawProceeds", function () {
      async function attackReady() {
        const fx = await loadFixture(concertTicketFixture);
        const { attacker, attackedTicket, fan1, startsAt } = fx;
        const [info, tier0] = await Promise.all([attackedTicket.read.eventInfo(), attackedTicket.read.tier([0n])]);
        expect(getAddress(info[1]), "attacker must be the promoter").to.equal(getAddress(attacker.address));
        const proceeds = tier0.price * 2n;
        await mined(attackedTicket.write.buy([0n, 2n], { value: proceeds, account: fan1.account }));
        await time.increaseTo(startsAt);
        return { ...fx, proceeds };
      }

      it("holds PROMOTER_ROLE and created the event itself", async function () {
        const { factory, attacker, attackedTicket, PROMOTER_ROLE, startsAt } = await loadFixture(concertTicketFixture);
        expect(await factory.read.hasRole([PROMOTER_ROLE, attacker.address])).to.equal(true);
        expect(getAddress(await attacker.read.ticket())).to.equal(getAddress(attackedTicket.address));
        expectSame(await attackedTicket.read.eventInfo(), [2n, attacker.address, startsAt, 0n]);
      });

      it("makes the whole withdrawal revert with ReentrancyGuardReentrantCall and keeps the funds", async function () {
        const { attacker, attackedTicket, proceeds, publicClient, startsAt } = await attackReady();
        // The re-entrant call fails in the guard; its revert data bubbles up through
        // Address.sendValue (not FailedCall, which is only used when there is no revert data).
        await expectRevert(attacker.write.attack(), "ReentrancyGuardReentrantCall", [], attackedTicket.abi);

        expect(await publicClient.getBalance({ address: attackedTicket.address })).to.equal(proceeds);
        expect(await publicClient.getBalance({ address: attacker.address })).to.equal(0n);
        expectSame(await attackedTicket.read.eventInfo(), [2n, attacker.address, startsAt, proceeds]);
      });

      it("pays out only once when the re-entry's revert is swallowed", async function () {
        const { attacker, attackedTicket, proceeds, publicClient } = await attackReady();
        await mined(attacker.write.setSwallowReentryRevert([true]));
        const receipt = await mined(attacker.write.attack());

        expectSame(eventsOf(attackedTicket, receipt, "ProceedsWithdrawn"), [{ promoter: attacker.address, amount: proceeds }]);
        expect(await attacker.read.reentryAttempts()).to.equal(1n);
        // The nested call was stopped by the guard itself, not merely by _proceeds being zero.
        expect(await attacker.read.reentryRevertData()).to.equal(toFunctionSelector("ReentrancyGuardReentrantCall()"));
        expect(await publicClient.getBalance({ address: attacker.address })).to.equal(proceeds);
        expect(await publicClient.getBalance({ address: attackedTicket.address })).to.equal(0n);
      });
    });
  });

  describe("when reading token metadata", function () {
    it("builds tokenURI from the base URI and the token id", async function () {
      const { ticket, fan1 } = await loadFixture(concertTicketFixture);
      await mined(ticket.write.buy([1n, 2n], { value: BIG.price * 2n, account: fan1.account }));
      expect(await ticket.read.tokenURI([1n])).to.equal(`${BASE_URI}1`);
      expect(await ticket.read.tokenURI([2n])).to.equal(`${BASE_URI}2`);
    });

    it("rejects tokenURI of a token that does not exist with ERC721NonexistentToken", async function () {
      const { ticket } = await loadFixture(concertTicketFixture);
      await expectRevert(ticket.read.tokenURI([1n]), "ERC721NonexistentToken", [1n]);
    });

    it("rejects ticketData of a token that does not exist with TicketNonexistent", async function () {
      const { ticket, fan1 } = await loadFixture(concertTicketFixture);
      await expectRevert(ticket.read.ticketData([0n]), "TicketNonexistent", [0n]);
      await mined(ticket.write.buy([0n, 1n], { value: SMALL.price, account: fan1.account }));
      await expectRevert(ticket.read.ticketData([2n]), "TicketNonexistent", [2n]);
      await expectRevert(ticket.read.ticketData([99n]), "TicketNonexistent", [99n]);
    });
  });
});
