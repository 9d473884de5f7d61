import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { decodeErrorResult, encodeFunctionData, parseEther, parseUnits, zeroAddress, zeroHash, type Abi, type Hex } from "viem";
import { TIERS, eventsOf, expectRevert, expectSame, mined } from "./fixtures";
import { addr, eventFixture, platformFixture } from "./platform";

const [SMALL, BIG] = TIERS;
const NATIVE = zeroAddress;

/** {eventFixture} + fan1 bought 2 BIG (tokens 1-2), fan2 bought 1 SMALL (token 3), the minter issued token 4 to fan3. */
async function salesFixture() {
  const base = await eventFixture();
  await base.buy(base.ticket, 1n, 2n, base.fan1);
  await base.buy(base.ticket, 0n, 1n, base.fan2);
  await base.mintBatch(base.ticket, 1n, [base.fan3.account.address]);
  return { ...base, paid: BIG.price * 2n + SMALL.price };
}

/** {platformFixture} + a ReentrantAccount that is a promoter, with its own event, holding two tickets. */
async function attackFixture() {
  const base = await platformFixture();
  const attacker = await hre.viem.deployContract("ReentrantAccount");
  await mined(base.factory.write.grantRole([base.PROMOTER_ROLE, attacker.address], { account: base.admin.account }));
  const startsAt = BigInt(await time.latest()) + 86_400n;
  const input = {
    name: "Attack Night",
    startsAt,
    baseURI: "ipfs://attack/",
    royaltyBps: 0,
    resaleCapBps: 0,
    tiers: [{ price: parseEther("1"), supply: 10 }],
  };
  await mined(
    attacker.write.execute([
      base.factory.address,
      encodeFunctionData({ abi: base.factory.abi, functionName: "createEvent", args: [input] }),
    ]),
  );
  const ticket = await hre.viem.getContractAt("ConcertTicket", await base.factory.read.eventContract([1n]));
  const buyData = encodeFunctionData({ abi: ticket.abi, functionName: "buy", args: [0n, 1n] });
  await mined(attacker.write.execute([ticket.address, buyData], { value: parseEther("1") }));
  await mined(attacker.write.execute([ticket.address, buyData], { value: parseEther("1") }));
  // a fan's purchase too, so the escrow holds more than the attacker's own money
  await mined(ticket.write.buy([0n, 3n], { value: parseEther("3"), account: base.fan1.account }));
  return { ...base, attacker, ticket, startsAt, buyData };
}

describe("PaymentEscrow", function () {
  describe("when initialised behind its proxy", function () {
    it("knows the factory and the allowed token, and owes nothing", async function () {
      const p = await loadFixture(platformFixture);
      expect(addr(await p.escrow.read.factory())).to.equal(addr(p.factory.address));
      expect(addr(await p.escrow.read.allowedToken())).to.equal(addr(p.usdc.address));
      expect(await p.escrow.read.totalOwed([NATIVE])).to.equal(0n);
      expect(await p.escrow.read.totalOwed([p.usdc.address])).to.equal(0n);
      expect(await p.escrow.read.isTrustedForwarder([p.forwarder.address])).to.equal(true);
    });

    it("cannot be initialised twice or through the implementation, nor with a zero factory", async function () {
      const p = await loadFixture(platformFixture);
      await expectRevert(p.escrow.write.initialize([p.factory.address]), "InvalidInitialization");
      await expectRevert(p.escrowImplementation.write.initialize([p.factory.address]), "InvalidInitialization");
      const implementation = await hre.viem.deployContract("PaymentEscrow", [p.forwarder.address]);
      await expectRevert(
        hre.viem.deployContract("ERC1967Proxy", [
          implementation.address,
          encodeFunctionData({ abi: implementation.abi, functionName: "initialize", args: [zeroAddress] }),
        ]),
        "EscrowInvalidAddress",
        [zeroAddress],
        implementation.abi,
      );
    });
  });

  describe("when a ticket contract deposits a primary sale", function () {
    it("accounts it per ticket contract and in totalOwed", async function () {
      const { escrow, ticket, paid, balance } = await loadFixture(salesFixture);
      expect(await escrow.read.proceeds([ticket.address])).to.equal(paid);
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(paid);
      expect(await balance(escrow.address)).to.equal(paid);
    });

    it("rejects deposits from anything but a registered ticket with EscrowUnknownTicket", async function () {
      const { escrow, stranger } = await loadFixture(salesFixture);
      await expectRevert(
        escrow.write.depositPrimary([stranger.account.address, 1n, 1n], { value: 1n, account: stranger.account }),
        "EscrowUnknownTicket",
        [stranger.account.address],
      );
    });
  });

  describe("when the promoter withdraws proceeds", function () {
    it("pays everything to the promoter once the show has started and emits ProceedsWithdrawn", async function () {
      const { escrow, ticket, promoter, paid, startsAt, balance } = await loadFixture(salesFixture);
      await time.increaseTo(startsAt);
      const { result } = await escrow.simulate.withdrawProceeds([ticket.address], { account: promoter.account.address });
      expect(result).to.equal(paid);
      const before = await balance(promoter.account.address);
      const receipt = await mined(escrow.write.withdrawProceeds([ticket.address], { account: promoter.account }));
      expectSame(eventsOf(escrow, receipt, "ProceedsWithdrawn"), [
        { ticket: ticket.address, promoter: promoter.account.address, amount: paid },
      ]);
      expect(await balance(promoter.account.address)).to.equal(
        before + paid - receipt.gasUsed * receipt.effectiveGasPrice,
      );
      expect(await escrow.read.proceeds([ticket.address])).to.equal(0n);
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(0n);
      expect(await balance(escrow.address)).to.equal(0n);
      await expectRevert(
        escrow.write.withdrawProceeds([ticket.address], { account: promoter.account }),
        "EscrowNothingToWithdraw",
        [promoter.account.address, NATIVE],
      );
    });

    it("rejects withdrawing before the show with EscrowEventNotStarted", async function () {
      const { escrow, ticket, promoter, startsAt } = await loadFixture(salesFixture);
      await expectRevert(
        escrow.write.withdrawProceeds([ticket.address], { account: promoter.account }),
        "EscrowEventNotStarted",
        [ticket.address, startsAt],
      );
    });

    it("rejects anyone but the promoter with EscrowNotPromoter, even another promoter or the admin", async function () {
      const { escrow, ticket, promoter, promoter2, admin, startsAt } = await loadFixture(salesFixture);
      await time.increaseTo(startsAt);
      for (const caller of [promoter2, admin]) {
        await expectRevert(
          escrow.write.withdrawProceeds([ticket.address], { account: caller.account }),
          "EscrowNotPromoter",
          [caller.account.address, promoter.account.address],
        );
      }
    });

    it("rejects a cancelled event with EscrowEventCancelled (its proceeds are refunds)", async function () {
      const { escrow, ticket, promoter, startsAt } = await loadFixture(salesFixture);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await time.increaseTo(startsAt);
      await expectRevert(
        escrow.write.withdrawProceeds([ticket.address], { account: promoter.account }),
        "EscrowEventCancelled",
        [ticket.address],
      );
    });

    it("rejects an address the factory did not create with EscrowUnknownTicket", async function () {
      const { escrow, promoter, ticketImplementation } = await loadFixture(salesFixture);
      await expectRevert(
        escrow.write.withdrawProceeds([ticketImplementation.address], { account: promoter.account }),
        "EscrowUnknownTicket",
        [ticketImplementation.address],
      );
    });

    it("rejects an event that only has card-minted tickets with EscrowNothingToWithdraw", async function () {
      const p = await loadFixture(eventFixture);
      await p.mintBatch(p.ticket, 1n, [p.fan1.account.address]);
      await time.increaseTo(p.startsAt);
      await expectRevert(
        p.escrow.write.withdrawProceeds([p.ticket.address], { account: p.promoter.account }),
        "EscrowNothingToWithdraw",
        [p.promoter.account.address, NATIVE],
      );
    });
  });

  describe("when an event is cancelled and holders claim refunds", function () {
    it("pays the current holder exactly the primary price, once, and emits RefundClaimed", async function () {
      const { escrow, ticket, promoter, fan1, fan2, paid, balance } = await loadFixture(salesFixture);
      // token 2 changes hands before the cancellation: the new holder is refunded
      await mined(ticket.write.transferFrom([fan1.account.address, fan2.account.address, 2n], { account: fan1.account }));
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      const { result } = await escrow.simulate.claimRefund([ticket.address, 2n], { account: fan2.account.address });
      expect(result).to.equal(BIG.price);
      const before = await balance(fan2.account.address);
      const receipt = await mined(escrow.write.claimRefund([ticket.address, 2n], { account: fan2.account }));
      expectSame(eventsOf(escrow, receipt, "RefundClaimed"), [
        { ticket: ticket.address, tokenId: 2n, holder: fan2.account.address, amount: BIG.price },
      ]);
      expect(await balance(fan2.account.address)).to.equal(
        before + BIG.price - receipt.gasUsed * receipt.effectiveGasPrice,
      );
      expect(await escrow.read.refunded([ticket.address, 2n])).to.equal(true);
      expect(await escrow.read.refunded([ticket.address, 1n])).to.equal(false);
      expect(await escrow.read.proceeds([ticket.address])).to.equal(paid - BIG.price);
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(paid - BIG.price);
      await expectRevert(
        escrow.write.claimRefund([ticket.address, 2n], { account: fan2.account }),
        "EscrowAlreadyRefunded",
        [ticket.address, 2n],
      );
      // all refunds empty the event's proceeds exactly
      await mined(escrow.write.claimRefund([ticket.address, 1n], { account: fan1.account }));
      await mined(escrow.write.claimRefund([ticket.address, 3n], { account: fan2.account }));
      expect(await escrow.read.proceeds([ticket.address])).to.equal(0n);
      expect(await balance(escrow.address)).to.equal(0n);
    });

    it("rejects refunds of an event that is not cancelled with EscrowEventNotCancelled", async function () {
      const { escrow, ticket, fan1 } = await loadFixture(salesFixture);
      await expectRevert(
        escrow.write.claimRefund([ticket.address, 1n], { account: fan1.account }),
        "EscrowEventNotCancelled",
        [ticket.address],
      );
    });

    it("rejects anyone but the current holder with EscrowNotTicketHolder", async function () {
      const { escrow, ticket, promoter, fan1, fan2 } = await loadFixture(salesFixture);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(
        escrow.write.claimRefund([ticket.address, 1n], { account: fan2.account }),
        "EscrowNotTicketHolder",
        [fan2.account.address, fan1.account.address],
      );
    });

    it("rejects card-minted tickets with EscrowNothingToRefund (refunded off chain)", async function () {
      const { escrow, ticket, promoter, fan3 } = await loadFixture(salesFixture);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(
        escrow.write.claimRefund([ticket.address, 4n], { account: fan3.account }),
        "EscrowNothingToRefund",
        [ticket.address, 4n],
      );
    });

    it("rejects unknown ticket contracts and nonexistent tokens", async function () {
      const { escrow, ticket, promoter, fan1, stranger } = await loadFixture(salesFixture);
      await expectRevert(
        escrow.write.claimRefund([stranger.account.address, 1n], { account: fan1.account }),
        "EscrowUnknownTicket",
        [stranger.account.address],
      );
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(
        escrow.write.claimRefund([ticket.address, 99n], { account: fan1.account }),
        "ERC721NonexistentToken",
        [99n],
        ticket.abi,
      );
    });
  });

  describe("when the marketplace credits payees", function () {
    it("credits native payouts that arrive with the call and emits Credited per payee", async function () {
      const { escrow, marketplaceAccount: market, fan1, fan2, promoter, balance } = await loadFixture(platformFixture);
      const payees = [fan1, promoter, fan2].map((w) => w.account.address);
      const amounts = [parseEther("1"), parseEther("0.05"), parseEther("0.02")];
      const total = amounts.reduce((a, b) => a + b);
      const receipt = await mined(escrow.write.credit([NATIVE, payees, amounts], { value: total, account: market.account }));
      expectSame(
        eventsOf(escrow, receipt, "Credited"),
        payees.map((payee, i) => ({ payee, currency: NATIVE, amount: amounts[i] })),
      );
      expect(await escrow.read.credits([fan1.account.address, NATIVE])).to.equal(amounts[0]);
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(total);
      expect(await balance(escrow.address)).to.equal(total);
      // credits accumulate
      await mined(escrow.write.credit([NATIVE, [fan1.account.address], [1n]], { value: 1n, account: market.account }));
      expect(await escrow.read.credits([fan1.account.address, NATIVE])).to.equal(amounts[0] + 1n);
    });

    it("credits the allowed ERC-20 once the tokens are in the escrow", async function () {
      const { escrow, usdc, admin, marketplaceAccount: market, fan1 } = await loadFixture(platformFixture);
      const amount = parseUnits("25", 6);
      await mined(usdc.write.mint([market.account.address, amount], { account: admin.account }));
      await mined(usdc.write.transfer([escrow.address, amount], { account: market.account }));
      const receipt = await mined(escrow.write.credit([usdc.address, [fan1.account.address], [amount]], { account: market.account }));
      expectSame(eventsOf(escrow, receipt, "Credited"), [{ payee: fan1.account.address, currency: usdc.address, amount }]);
      expect(await escrow.read.totalOwed([usdc.address])).to.equal(amount);
      // a second credit not backed by new tokens is refused
      await expectRevert(
        escrow.write.credit([usdc.address, [fan1.account.address], [1n]], { account: market.account }),
        "EscrowUnbackedCredit",
        [usdc.address, amount, amount + 1n],
      );
    });

    it("rejects a wrong native total and value sent with an ERC-20 credit with EscrowWrongPayment", async function () {
      const { escrow, usdc, marketplaceAccount: market, fan1 } = await loadFixture(platformFixture);
      await expectRevert(
        escrow.write.credit([NATIVE, [fan1.account.address, fan1.account.address], [2n, 3n]], { value: 4n, account: market.account }),
        "EscrowWrongPayment",
        [5n, 4n],
      );
      await expectRevert(
        escrow.write.credit([usdc.address, [fan1.account.address], [0n]], { value: 1n, account: market.account }),
        "EscrowWrongPayment",
        [0n, 1n],
      );
    });

    it("rejects anyone but the marketplace with EscrowNotMarketplace, also when no marketplace is set", async function () {
      const p = await loadFixture(platformFixture);
      await expectRevert(
        p.escrow.write.credit([NATIVE, [p.fan1.account.address], [1n]], { value: 1n, account: p.stranger.account }),
        "EscrowNotMarketplace",
        [p.stranger.account.address],
      );
      await mined(
        p.factory.write.setPlatformContracts([p.escrow.address, zeroAddress, zeroAddress], { account: p.admin.account }),
      );
      await expectRevert(
        p.escrow.write.credit([NATIVE, [p.fan1.account.address], [1n]], {
          value: 1n,
          account: p.marketplaceAccount.account,
        }),
        "EscrowNotMarketplace",
        [p.marketplaceAccount.account.address],
      );
    });

    it("rejects other currencies, mismatched lists and a zero payee", async function () {
      const { escrow, marketplaceAccount: market, fan1, stranger } = await loadFixture(platformFixture);
      const from = { account: market.account };
      await expectRevert(
        escrow.write.credit([stranger.account.address, [fan1.account.address], [1n]], from),
        "EscrowCurrencyNotAllowed",
        [stranger.account.address],
      );
      await expectRevert(
        escrow.write.credit([NATIVE, [fan1.account.address], [1n, 2n]], { ...from, value: 3n }),
        "EscrowLengthMismatch",
        [1n, 2n],
      );
      await expectRevert(
        escrow.write.credit([NATIVE, [zeroAddress], [1n]], { ...from, value: 1n }),
        "EscrowInvalidPayee",
        [zeroAddress],
      );
    });
  });

  describe("when payees withdraw credits", function () {
    it("pays native and ERC-20 credits to the caller and emits Withdrawn", async function () {
      const { escrow, usdc, admin, marketplaceAccount: market, fan1, balance } = await loadFixture(platformFixture);
      await mined(escrow.write.credit([NATIVE, [fan1.account.address], [parseEther("1")]], { value: parseEther("1"), account: market.account }));
      await mined(usdc.write.mint([escrow.address, 500n], { account: admin.account }));
      await mined(escrow.write.credit([usdc.address, [fan1.account.address], [500n]], { account: market.account }));

      const { result } = await escrow.simulate.withdraw([NATIVE], { account: fan1.account.address });
      expect(result).to.equal(parseEther("1"));
      const before = await balance(fan1.account.address);
      const receipt = await mined(escrow.write.withdraw([NATIVE], { account: fan1.account }));
      expectSame(eventsOf(escrow, receipt, "Withdrawn"), [{ payee: fan1.account.address, currency: NATIVE, amount: parseEther("1") }]);
      expect(await balance(fan1.account.address)).to.equal(
        before + parseEther("1") - receipt.gasUsed * receipt.effectiveGasPrice,
      );
      const r2 = await mined(escrow.write.withdraw([usdc.address], { account: fan1.account }));
      expectSame(eventsOf(escrow, r2, "Withdrawn"), [{ payee: fan1.account.address, currency: usdc.address, amount: 500n }]);
      expect(await usdc.read.balanceOf([fan1.account.address])).to.equal(500n);
      expect(await escrow.read.credits([fan1.account.address, usdc.address])).to.equal(0n);
      expect(await escrow.read.totalOwed([usdc.address])).to.equal(0n);
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(0n);
    });

    it("rejects a payee with nothing owed with EscrowNothingToWithdraw", async function () {
      const { escrow, usdc, fan1 } = await loadFixture(platformFixture);
      for (const currency of [NATIVE, usdc.address]) {
        await expectRevert(escrow.write.withdraw([currency], { account: fan1.account }), "EscrowNothingToWithdraw", [
          fan1.account.address,
          currency,
        ]);
      }
    });

    it("keeps credits in a token that is no longer allowed withdrawable", async function () {
      const { escrow, usdc, admin, marketplaceAccount: market, fan1 } = await loadFixture(platformFixture);
      await mined(usdc.write.mint([escrow.address, 7n], { account: admin.account }));
      await mined(escrow.write.credit([usdc.address, [fan1.account.address], [7n]], { account: market.account }));
      await mined(escrow.write.setAllowedToken([zeroAddress], { account: admin.account }));
      await expectRevert(
        escrow.write.credit([usdc.address, [fan1.account.address], [0n]], { account: market.account }),
        "EscrowCurrencyNotAllowed",
        [usdc.address],
      );
      await mined(escrow.write.withdraw([usdc.address], { account: fan1.account }));
      expect(await usdc.read.balanceOf([fan1.account.address])).to.equal(7n);
    });
  });

  describe("when the marketplace credits a whole-ticket sale under its order hash", function () {
    const H1 = `0x${"a1".repeat(32)}` as Hex;
    const H2 = `0x${"b2".repeat(32)}` as Hex;
    const H3 = `0x${"c3".repeat(32)}` as Hex;

    it("holds the seller's share per order hash, credits the other payees and emits SaleCredited and Credited", async function () {
      const { escrow, marketplaceAccount: market, fan1, promoter, balance } = await loadFixture(platformFixture);
      const receipt = await mined(
        escrow.write.creditSale([H1, NATIVE, fan1.account.address, 90n, [promoter.account.address], [10n]], {
          value: 100n,
          account: market.account,
        }),
      );
      expectSame(eventsOf(escrow, receipt, "SaleCredited"), [
        { orderHash: H1, seller: fan1.account.address, currency: NATIVE, amount: 90n },
      ]);
      expectSame(eventsOf(escrow, receipt, "Credited"), [{ payee: promoter.account.address, currency: NATIVE, amount: 10n }]);
      expectSame(await escrow.read.sale([H1]), [fan1.account.address, NATIVE, 90n]);
      expectSame(await escrow.read.sale([H2]), [zeroAddress, NATIVE, 0n]);
      expect(await escrow.read.credits([fan1.account.address, NATIVE])).to.equal(0n);
      expect(await escrow.read.credits([promoter.account.address, NATIVE])).to.equal(10n);
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(100n);
      expect(await balance(escrow.address)).to.equal(100n);
    });

    it("credits an order hash once, ever (also after the seller withdrew it) with EscrowSaleAlreadyCredited", async function () {
      const { escrow, marketplaceAccount: market, fan1, fan2 } = await loadFixture(platformFixture);
      const from = { account: market.account, value: 5n };
      await mined(escrow.write.creditSale([H1, NATIVE, fan1.account.address, 5n, [], []], from));
      await expectRevert(
        escrow.write.creditSale([H1, NATIVE, fan2.account.address, 5n, [], []], from),
        "EscrowSaleAlreadyCredited",
        [H1],
      );
      await mined(escrow.write.withdrawSales([[H1]], { account: fan1.account }));
      await expectRevert(
        escrow.write.creditSale([H1, NATIVE, fan1.account.address, 5n, [], []], from),
        "EscrowSaleAlreadyCredited",
        [H1],
      );
      // a sale whose whole price went to royalty and fee is still recorded (seller, nothing owed)
      await mined(escrow.write.creditSale([H2, NATIVE, fan1.account.address, 0n, [fan2.account.address], [5n]], from));
      expectSame(await escrow.read.sale([H2]), [fan1.account.address, NATIVE, 0n]);
      await expectRevert(escrow.write.withdrawSales([[H2]], { account: fan1.account }), "EscrowSaleAlreadyWithdrawn", [H2]);
    });

    it("applies the checks of credit, refuses a zero seller and an amount of 2^96 or more", async function () {
      const p = await loadFixture(platformFixture);
      const { escrow, usdc, marketplaceAccount: market, fan1, stranger } = p;
      const from = { account: market.account };
      const seller = fan1.account.address;
      await expectRevert(
        escrow.write.creditSale([H1, NATIVE, seller, 1n, [], []], { value: 1n, account: stranger.account }),
        "EscrowNotMarketplace",
        [stranger.account.address],
      );
      await expectRevert(
        escrow.write.creditSale([H1, stranger.account.address, seller, 1n, [], []], from),
        "EscrowCurrencyNotAllowed",
        [stranger.account.address],
      );
      await expectRevert(
        escrow.write.creditSale([H1, NATIVE, seller, 1n, [seller], []], { ...from, value: 1n }),
        "EscrowLengthMismatch",
        [1n, 0n],
      );
      await expectRevert(
        escrow.write.creditSale([H1, NATIVE, zeroAddress, 1n, [], []], { ...from, value: 1n }),
        "EscrowInvalidPayee",
        [zeroAddress],
      );
      await expectRevert(
        escrow.write.creditSale([H1, NATIVE, seller, 1n, [zeroAddress], [1n]], { ...from, value: 2n }),
        "EscrowInvalidPayee",
        [zeroAddress],
      );
      await expectRevert(
        escrow.write.creditSale([H1, NATIVE, seller, 2n, [stranger.account.address], [1n]], { ...from, value: 2n }),
        "EscrowWrongPayment",
        [3n, 2n],
      );
      await expectRevert(
        escrow.write.creditSale([H1, usdc.address, seller, 1n, [], []], from),
        "EscrowUnbackedCredit",
        [usdc.address, 0n, 1n],
      );
      await expectRevert(
        escrow.write.creditSale([H1, usdc.address, seller, 2n ** 96n, [], []], from), // checked before the backing
        "SafeCastOverflowedUintDowncast",
        [96, 2n ** 96n],
      );
    });

    it("pays the seller its sales in one currency with withdrawSales and emits SaleWithdrawn per sale", async function () {
      const { escrow, usdc, admin, marketplaceAccount: market, fan1, balance } = await loadFixture(platformFixture);
      const from = { account: market.account };
      await mined(escrow.write.creditSale([H1, NATIVE, fan1.account.address, 3n, [], []], { ...from, value: 3n }));
      await mined(escrow.write.creditSale([H2, NATIVE, fan1.account.address, 4n, [], []], { ...from, value: 4n }));
      await mined(usdc.write.mint([escrow.address, 9n], { account: admin.account }));
      await mined(escrow.write.creditSale([H3, usdc.address, fan1.account.address, 9n, [], []], from));
      expectSame(await escrow.read.sale([H3]), [fan1.account.address, usdc.address, 9n]);

      const { result } = await escrow.simulate.withdrawSales([[H1, H2]], { account: fan1.account.address });
      expect(result).to.equal(7n);
      const before = await balance(fan1.account.address);
      const receipt = await mined(escrow.write.withdrawSales([[H1, H2]], { account: fan1.account }));
      expectSame(eventsOf(escrow, receipt, "SaleWithdrawn"), [
        { orderHash: H1, seller: fan1.account.address, currency: NATIVE, amount: 3n },
        { orderHash: H2, seller: fan1.account.address, currency: NATIVE, amount: 4n },
      ]);
      expect(await balance(fan1.account.address)).to.equal(before + 7n - receipt.gasUsed * receipt.effectiveGasPrice);
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(0n);
      expectSame(await escrow.read.sale([H1]), [fan1.account.address, NATIVE, 0n]);

      const r2 = await mined(escrow.write.withdrawSales([[H3]], { account: fan1.account }));
      expectSame(eventsOf(escrow, r2, "SaleWithdrawn"), [
        { orderHash: H3, seller: fan1.account.address, currency: usdc.address, amount: 9n },
      ]);
      expect(await usdc.read.balanceOf([fan1.account.address])).to.equal(9n);
      expect(await escrow.read.totalOwed([usdc.address])).to.equal(0n);
    });

    it("refuses an empty list, someone else's or an unknown sale, a second withdrawal and mixed currencies", async function () {
      const { escrow, usdc, admin, marketplaceAccount: market, fan1, fan2 } = await loadFixture(platformFixture);
      const from = { account: market.account };
      await mined(escrow.write.creditSale([H1, NATIVE, fan1.account.address, 3n, [], []], { ...from, value: 3n }));
      await mined(usdc.write.mint([escrow.address, 9n], { account: admin.account }));
      await mined(escrow.write.creditSale([H3, usdc.address, fan1.account.address, 9n, [], []], from));
      const seller = { account: fan1.account };
      await expectRevert(escrow.write.withdrawSales([[]], seller), "EscrowNothingToWithdraw", [fan1.account.address, NATIVE]);
      await expectRevert(escrow.write.withdrawSales([[H1]], { account: fan2.account }), "EscrowNotSeller", [
        H1,
        fan2.account.address,
        fan1.account.address,
      ]);
      await expectRevert(escrow.write.withdrawSales([[H2]], seller), "EscrowNotSeller", [H2, fan1.account.address, zeroAddress]);
      await expectRevert(escrow.write.withdrawSales([[H1, H3]], seller), "EscrowCurrencyMismatch", [H3, NATIVE, usdc.address]);
      await expectRevert(escrow.write.withdrawSales([[H1, H1]], seller), "EscrowSaleAlreadyWithdrawn", [H1]);
      await mined(escrow.write.withdrawSales([[H1]], seller));
      await expectRevert(escrow.write.withdrawSales([[H1]], seller), "EscrowSaleAlreadyWithdrawn", [H1]);
    });
  });

  describe("when the admin configures the escrow", function () {
    it("sets the allowed token and emits AllowedTokenSet", async function () {
      const { escrow, admin, fan1 } = await loadFixture(platformFixture);
      const receipt = await mined(escrow.write.setAllowedToken([fan1.account.address], { account: admin.account }));
      expectSame(eventsOf(escrow, receipt, "AllowedTokenSet"), [{ token: fan1.account.address }]);
      expect(addr(await escrow.read.allowedToken())).to.equal(addr(fan1.account.address));
    });

    it("rejects anyone without the factory's DEFAULT_ADMIN_ROLE with EscrowUnauthorized", async function () {
      const { escrow, promoter, minter, fan1 } = await loadFixture(platformFixture);
      for (const caller of [promoter, minter]) {
        await expectRevert(
          escrow.write.setAllowedToken([fan1.account.address], { account: caller.account }),
          "EscrowUnauthorized",
          [caller.account.address, zeroHash],
        );
      }
    });

    it("lets the admin upgrade (state kept) and rejects anyone else", async function () {
      const p = await loadFixture(salesFixture);
      const v2 = await hre.viem.deployContract("PaymentEscrowV2", [p.forwarder.address]);
      await expectRevert(
        p.escrow.write.upgradeToAndCall([v2.address, "0x"], { account: p.promoter.account }),
        "EscrowUnauthorized",
        [p.promoter.account.address, zeroHash],
      );
      const receipt = await mined(p.escrow.write.upgradeToAndCall([v2.address, "0x"], { account: p.admin.account }));
      expectSame(eventsOf(p.escrow, receipt, "Upgraded"), [{ implementation: v2.address }]);
      const upgraded = await hre.viem.getContractAt("PaymentEscrowV2", p.escrow.address);
      expect(await upgraded.read.version()).to.equal("v2");
      expect(await upgraded.read.proceeds([p.ticket.address])).to.equal(p.paid);
      expect(await upgraded.read.totalOwed([NATIVE])).to.equal(p.paid);
      expect(addr(await upgraded.read.allowedToken())).to.equal(addr(p.usdc.address));
      // and it keeps working
      await p.buy(p.ticket, 1n, 1n, p.fan1);
      expect(await upgraded.read.proceeds([p.ticket.address])).to.equal(p.paid + BIG.price);
    });
  });

  describe("when a payee re-enters from its receive hook", function () {
    const reentrancyError = "ReentrancyGuardReentrantCall";

    it("withdrawProceeds → re-entering withdrawProceeds reverts the whole payout", async function () {
      const { escrow, attacker, ticket, startsAt, balance } = await loadFixture(attackFixture);
      await time.increaseTo(startsAt);
      const data = encodeFunctionData({ abi: escrow.abi, functionName: "withdrawProceeds", args: [ticket.address] });
      await mined(attacker.write.arm([escrow.address, data, 0n, false]));
      await expectRevert(attacker.write.execute([escrow.address, data]), reentrancyError, [], escrow.abi);
      expect(await balance(escrow.address)).to.equal(parseEther("5"));
      expect(await escrow.read.proceeds([ticket.address])).to.equal(parseEther("5"));
    });

    it("withdrawProceeds → the guard's error is what stops the second call (swallowed), paid once", async function () {
      const { escrow, attacker, ticket, startsAt, balance } = await loadFixture(attackFixture);
      await time.increaseTo(startsAt);
      const data = encodeFunctionData({ abi: escrow.abi, functionName: "withdrawProceeds", args: [ticket.address] });
      await mined(attacker.write.arm([escrow.address, data, 0n, true]));
      await mined(attacker.write.execute([escrow.address, data]));
      expect(await attacker.read.reentryAttempts()).to.equal(1n);
      expectRevertData(await attacker.read.reentryRevertData(), escrow.abi, reentrancyError);
      expect(await balance(attacker.address)).to.equal(parseEther("5"));
      expect(await balance(escrow.address)).to.equal(0n);
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(0n);
    });

    it("claimRefund → re-entering claimRefund (another token) is stopped by the guard; a re-entered buy finds the event cancelled", async function () {
      const { escrow, attacker, ticket, balance, buyData } = await loadFixture(attackFixture);
      const cancel = encodeFunctionData({ abi: ticket.abi, functionName: "cancelEvent" });
      await mined(attacker.write.execute([ticket.address, cancel])); // the attacker is this event's promoter
      const claim = (id: bigint) =>
        encodeFunctionData({ abi: escrow.abi, functionName: "claimRefund", args: [ticket.address, id] });
      await mined(attacker.write.arm([escrow.address, claim(2n), 0n, false]));
      await expectRevert(attacker.write.execute([escrow.address, claim(1n)]), reentrancyError, [], escrow.abi);
      expect(await escrow.read.refunded([ticket.address, 1n])).to.equal(false);

      await mined(attacker.write.arm([escrow.address, claim(2n), 0n, true]));
      await mined(attacker.write.execute([escrow.address, claim(1n)]));
      expectRevertData(await attacker.read.reentryRevertData(), escrow.abi, reentrancyError);
      expect(await escrow.read.refunded([ticket.address, 2n])).to.equal(false);
      expect(await balance(attacker.address)).to.equal(parseEther("1"));

      // re-entering buy from inside a refund: a cancelled event sells nothing
      await mined(attacker.write.arm([ticket.address, buyData, parseEther("1"), true]));
      await mined(attacker.write.execute([escrow.address, claim(2n)]));
      expectRevertData(await attacker.read.reentryRevertData(), ticket.abi, "TicketEventCancelled", [1n]);
      expect(await balance(escrow.address)).to.equal(parseEther("3"));
      expect(await escrow.read.totalOwed([NATIVE])).to.equal(parseEther("3"));
    });

    it("withdraw → re-entering withdraw or a purchase (buy → depositPrimary) is stopped by the guard", async function () {
      const { escrow, attacker, ticket, marketplaceAccount: market, balance, buyData } = await loadFixture(attackFixture);
      await mined(escrow.write.credit([NATIVE, [attacker.address], [parseEther("2")]], { value: parseEther("2"), account: market.account }));
      const withdraw = encodeFunctionData({ abi: escrow.abi, functionName: "withdraw", args: [NATIVE] });
      await mined(attacker.write.arm([escrow.address, withdraw, 0n, false]));
      await expectRevert(attacker.write.execute([escrow.address, withdraw]), reentrancyError, [], escrow.abi);

      // buy re-entered during the payout reaches depositPrimary, which the escrow's guard refuses
      await mined(attacker.write.arm([ticket.address, buyData, parseEther("1"), false]));
      await expectRevert(attacker.write.execute([escrow.address, withdraw]), reentrancyError, [], escrow.abi);
      expect(await ticket.read.totalMinted()).to.equal(5n);

      await mined(attacker.write.arm([escrow.address, withdraw, 0n, true]));
      await mined(attacker.write.execute([escrow.address, withdraw]));
      expectRevertData(await attacker.read.reentryRevertData(), escrow.abi, reentrancyError);
      expect(await balance(attacker.address)).to.equal(parseEther("2"));
      expect(await escrow.read.credits([attacker.address, NATIVE])).to.equal(0n);
      expect(await balance(escrow.address)).to.equal(await escrow.read.totalOwed([NATIVE]));
    });

    it("withdrawSales → re-entering withdrawSales is stopped by the guard, and the sale is paid once", async function () {
      const { escrow, attacker, marketplaceAccount: market, balance } = await loadFixture(attackFixture);
      const hash = `0x${"d4".repeat(32)}` as Hex;
      await mined(
        escrow.write.creditSale([hash, NATIVE, attacker.address, parseEther("2"), [], []], {
          value: parseEther("2"),
          account: market.account,
        }),
      );
      const withdrawSales = encodeFunctionData({ abi: escrow.abi, functionName: "withdrawSales", args: [[hash]] });
      await mined(attacker.write.arm([escrow.address, withdrawSales, 0n, false]));
      await expectRevert(attacker.write.execute([escrow.address, withdrawSales]), reentrancyError, [], escrow.abi);
      await mined(attacker.write.arm([escrow.address, withdrawSales, 0n, true]));
      await mined(attacker.write.execute([escrow.address, withdrawSales]));
      expectRevertData(await attacker.read.reentryRevertData(), escrow.abi, reentrancyError);
      expect(await balance(attacker.address)).to.equal(parseEther("2"));
      expectSame(await escrow.read.sale([hash]), [attacker.address, NATIVE, 0n]);
      expect(await balance(escrow.address)).to.equal(await escrow.read.totalOwed([NATIVE]));
    });

    it("a marketplace re-entering credit from a payout is stopped by the guard", async function () {
      const p = await loadFixture(attackFixture);
      await p.setPlatformContracts({ marketplace: p.attacker.address });
      const credit = encodeFunctionData({
        abi: p.escrow.abi,
        functionName: "credit",
        args: [NATIVE, [p.attacker.address], [parseEther("1")]],
      });
      await mined(p.attacker.write.execute([p.escrow.address, credit], { value: parseEther("1") }));
      await mined(p.attacker.write.arm([p.escrow.address, credit, 0n, true]));
      const withdraw = encodeFunctionData({ abi: p.escrow.abi, functionName: "withdraw", args: [NATIVE] });
      await mined(p.attacker.write.execute([p.escrow.address, withdraw]));
      expectRevertData(await p.attacker.read.reentryRevertData(), p.escrow.abi, "ReentrancyGuardReentrantCall");
      expect(await p.escrow.read.credits([p.attacker.address, NATIVE])).to.equal(0n);
      expect(await p.balance(p.escrow.address)).to.equal(await p.escrow.read.totalOwed([NATIVE]));
    });
  });
});

/** Asserts that raw revert data is the custom error `name` of `abi` with `args`. */
function expectRevertData(data: Hex, abi: Abi, name: string, args: readonly unknown[] = []) {
  const decoded = decodeErrorResult({ abi, data });
  expect(decoded.errorName).to.equal(name);
  expectSame(decoded.args ?? [], args);
}
