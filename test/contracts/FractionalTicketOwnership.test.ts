import { expect } from "chai";
import hre from "hardhat";
import { impersonateAccount, loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import {
  concat,
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  maxUint128,
  parseEther,
  toFunctionSelector,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { eventsOf, expectRevert, expectSame, mined } from "./fixtures";
import {
  BIG_PRICE,
  DEFAULT_BUYOUT,
  deployVault,
  FRACTIONS_URI,
  fractionIdOf,
  fractionsFixture,
  gasCost,
  Hook,
  MAX_SHARES,
  MIN_SHARES,
  SMALL_PRICE,
  VaultState,
} from "./fractions-fixture";

const same = (a: string, b: string) => expect(getAddress(a)).to.equal(getAddress(b));
const REENTRANT_CALL = toFunctionSelector("ReentrancyGuardReentrantCall()");
// keccak256("eip1967.proxy.implementation") - 1
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

describe("FractionalTicketOwnership", function () {
  describe("when deployed behind its proxy", function () {
    it("knows the factory, the URI, the share bounds and the forwarder", async function () {
      const { vault, factory, forwarder } = await loadFixture(fractionsFixture);
      same(await vault.read.factory(), factory.address);
      same(await factory.read.fractions(), vault.address);
      expect(await vault.read.uri([123n])).to.equal(FRACTIONS_URI);
      expect(await vault.read.MIN_SHARES()).to.equal(MIN_SHARES);
      expect(await vault.read.MAX_SHARES()).to.equal(MAX_SHARES);
      same(await vault.read.trustedForwarder(), forwarder.address);
      expect(await vault.read.isTrustedForwarder([forwarder.address])).to.equal(true);
    });

    it("supports ERC-165, ERC-1155, ERC-1155 metadata and its own interface, nothing else", async function () {
      const { vault } = await loadFixture(fractionsFixture);
      expect(await vault.read.supportsInterface(["0x01ffc9a7"])).to.equal(true); // ERC-165
      expect(await vault.read.supportsInterface(["0xd9b67a26"])).to.equal(true); // ERC-1155
      expect(await vault.read.supportsInterface(["0x0e89341c"])).to.equal(true); // ERC-1155 metadata URI
      expect(await vault.read.supportsInterface(["0x80ac58cd"])).to.equal(false); // ERC-721
      expect(await vault.read.supportsInterface(["0xffffffff"])).to.equal(false);
      // IFractionalTicketOwnership's own functions, XORed
      const selectors = [
        "fractionalize(address,uint256,uint256,uint256)",
        "redeem(uint256)",
        "buyout(uint256)",
        "collectRefund(uint256)",
        "cashOut(uint256)",
        "fractionId(address,uint256)",
        "vault(uint256)",
        "totalSupply(uint256)",
        "ticketPrice(uint256)",
      ].map((s) => BigInt(toFunctionSelector(s)));
      const interfaceId = `0x${selectors.reduce((a, b) => a ^ b, 0n).toString(16).padStart(8, "0")}` as const;
      expect(await vault.read.supportsInterface([interfaceId])).to.equal(true);
    });

    it("cannot be initialised twice, nor the implementation at all", async function () {
      const { vault, vaultImplementation, factory, stranger } = await loadFixture(fractionsFixture);
      await expectRevert(
        vault.write.initialize([factory.address, "x"], { account: stranger.account }),
        "InvalidInitialization",
      );
      await expectRevert(
        vaultImplementation.write.initialize([factory.address, "x"], { account: stranger.account }),
        "InvalidInitialization",
      );
    });

    it("refuses a zero factory with FractionsZeroFactory", async function () {
      const { forwarder, vaultImplementation } = await loadFixture(fractionsFixture);
      await expectRevert(deployVault(forwarder.address, zeroAddress), "FractionsZeroFactory", [], vaultImplementation.abi);
    });

    it("reads the sender and the data of a forwarded call without the appended address (ERC-2771)", async function () {
      const { forwarder, fan1, fan2, publicClient } = await loadFixture(fractionsFixture);
      const harness = await hre.viem.deployContract("FractionsMsgDataHarness", [forwarder.address]);
      const call = encodeFunctionData({ abi: harness.abi, functionName: "msgContext" });
      const decode = (data: Hex | undefined) =>
        decodeFunctionResult({ abi: harness.abi, functionName: "msgContext", data: data! });

      const direct = await publicClient.call({ account: fan1.account.address, to: harness.address, data: call });
      expectSame(decode(direct.data), [fan1.account.address, call]);
      const forwarded = await publicClient.call({
        account: forwarder.address,
        to: harness.address,
        data: concat([call, fan2.account.address]),
      });
      expectSame(decode(forwarded.data), [fan2.account.address, call]);
      // the suffix means nothing when the caller is not the trusted forwarder
      const spoofed = await publicClient.call({
        account: fan1.account.address,
        to: harness.address,
        data: concat([call, fan2.account.address]),
      });
      expectSame(decode(spoofed.data), [fan1.account.address, concat([call, fan2.account.address])]);
    });

    it("answers zeros for an id never fractionalized", async function () {
      const { vault } = await loadFixture(fractionsFixture);
      expectSame(await vault.read.vault([42n]), {
        ticket: zeroAddress,
        tokenId: 0n,
        totalShares: 0n,
        ticketPrice: 0n,
        buyoutPrice: 0n,
        payout: 0n,
        state: VaultState.None,
      });
      expect(await vault.read.totalSupply([42n])).to.equal(0n);
      expect(await vault.read.ticketPrice([42n])).to.equal(0n);
      expect(await vault.read.unpaidPayout([42n])).to.equal(0n);
    });

    it("computes fraction ids as uint256(keccak256(abi.encode(ticket, tokenId)))", async function () {
      const { vault, ticket } = await loadFixture(fractionsFixture);
      expect(await vault.read.fractionId([ticket.address, 7n])).to.equal(fractionIdOf(ticket.address, 7n));
    });
  });

  describe("when fractionalizing", function () {
    it("locks the ticket, records the vault, mints the shares to the owner and returns the id", async function () {
      const { vault, ticket, fan1 } = await loadFixture(fractionsFixture);
      await mined(ticket.write.approve([vault.address, 1n], { account: fan1.account }));
      const id = fractionIdOf(ticket.address, 1n);
      const { result } = await vault.simulate.fractionalize([ticket.address, 1n, 100n, DEFAULT_BUYOUT], {
        account: fan1.account.address,
      });
      expect(result).to.equal(id);

      const receipt = await mined(
        vault.write.fractionalize([ticket.address, 1n, 100n, DEFAULT_BUYOUT], { account: fan1.account }),
      );
      expectSame(eventsOf(vault, receipt, "Fractionalized"), [
        { id, ticket: ticket.address, tokenId: 1n, owner: fan1.account.address, shares: 100n, buyoutPrice: DEFAULT_BUYOUT },
      ]);
      expectSame(eventsOf(vault, receipt, "TransferSingle"), [
        { operator: fan1.account.address, from: zeroAddress, to: fan1.account.address, id, value: 100n },
      ]);
      expectSame(eventsOf(ticket, receipt, "Transfer"), [
        { from: fan1.account.address, to: vault.address, tokenId: 1n },
      ]);

      same(await ticket.read.ownerOf([1n]), vault.address);
      expect(await vault.read.balanceOf([fan1.account.address, id])).to.equal(100n);
      expect(await vault.read.totalSupply([id])).to.equal(100n);
      expect(await vault.read.ticketPrice([id])).to.equal(BIG_PRICE);
      expectSame(await vault.read.vault([id]), {
        ticket: ticket.address,
        tokenId: 1n,
        totalShares: 100n,
        ticketPrice: BIG_PRICE,
        buyoutPrice: DEFAULT_BUYOUT,
        payout: 0n,
        state: VaultState.Locked,
      });
      // the ticket reports itself as fractional (it asks the vault)
      const data = await ticket.read.ticketData([1n]);
      expect(data.isFractional).to.equal(true);
      expect(data.totalFractions).to.equal(100n);
    });

    it("records the face value of the ticket's tier, and works with an operator approval", async function () {
      const { vault, ticket, fan3 } = await loadFixture(fractionsFixture);
      await mined(ticket.write.setApprovalForAll([vault.address, true], { account: fan3.account }));
      await mined(vault.write.fractionalize([ticket.address, 5n, 2n, 1n], { account: fan3.account }));
      const id = fractionIdOf(ticket.address, 5n);
      expect(await vault.read.ticketPrice([id])).to.equal(SMALL_PRICE);
      expect(await vault.read.balanceOf([fan3.account.address, id])).to.equal(2n);
    });

    it("accepts the share bounds and the highest buyout price", async function () {
      const { vault, ticket, lock } = await loadFixture(fractionsFixture);
      const { id: a } = await lock(1n, { shares: MIN_SHARES, buyoutPrice: maxUint128 });
      const { id: b } = await lock(2n, { shares: MAX_SHARES, buyoutPrice: 1n });
      expect(await vault.read.totalSupply([a])).to.equal(MIN_SHARES);
      expect((await vault.read.vault([a])).buyoutPrice).to.equal(maxUint128);
      expect(await vault.read.totalSupply([b])).to.equal(MAX_SHARES);
      same(await ticket.read.ownerOf([2n]), vault.address);
    });

    it("works for a ticket minted for a card order", async function () {
      const { vault, ticket, fan2, lock } = await loadFixture(fractionsFixture);
      const { id } = await lock(4n, { from: fan2, shares: 10n });
      expect(await vault.read.balanceOf([fan2.account.address, id])).to.equal(10n);
      expect(await vault.read.ticketPrice([id])).to.equal(BIG_PRICE);
      same(await ticket.read.ownerOf([4n]), vault.address);
    });

    it("can be relayed through the forwarder: the signer's ticket, the signer's shares", async function () {
      const { vault, ticket, fan1, relayer, relay } = await loadFixture(fractionsFixture);
      await mined(ticket.write.approve([vault.address, 2n], { account: fan1.account }));
      const receipt = await relay(
        fan1,
        encodeFunctionData({ abi: vault.abi, functionName: "fractionalize", args: [ticket.address, 2n, 50n, 5n] }),
      );
      const id = fractionIdOf(ticket.address, 2n);
      expectSame(eventsOf(vault, receipt, "Fractionalized"), [
        { id, ticket: ticket.address, tokenId: 2n, owner: fan1.account.address, shares: 50n, buyoutPrice: 5n },
      ]);
      expect(await vault.read.balanceOf([fan1.account.address, id])).to.equal(50n);
      expect(await vault.read.balanceOf([relayer.account.address, id])).to.equal(0n);
    });

    it("rejects a ticket contract the factory did not register with FractionsUnknownTicket", async function () {
      const { vault, ticketImplementation, stranger, fan1 } = await loadFixture(fractionsFixture);
      for (const notRegistered of [ticketImplementation.address, stranger.account.address]) {
        await expectRevert(
          vault.write.fractionalize([notRegistered, 1n, 100n, DEFAULT_BUYOUT], { account: fan1.account }),
          "FractionsUnknownTicket",
          [notRegistered],
        );
      }
    });

    it("rejects fewer than 2 or more than 1,000,000 shares with FractionsInvalidShares", async function () {
      const { vault, ticket, fan1 } = await loadFixture(fractionsFixture);
      await mined(ticket.write.approve([vault.address, 1n], { account: fan1.account }));
      for (const shares of [0n, 1n, MAX_SHARES + 1n]) {
        await expectRevert(
          vault.write.fractionalize([ticket.address, 1n, shares, DEFAULT_BUYOUT], { account: fan1.account }),
          "FractionsInvalidShares",
          [shares],
        );
      }
    });

    it("rejects a zero or above-uint128 buyout price with FractionsInvalidBuyoutPrice", async function () {
      const { vault, ticket, fan1 } = await loadFixture(fractionsFixture);
      await mined(ticket.write.approve([vault.address, 1n], { account: fan1.account }));
      for (const price of [0n, maxUint128 + 1n]) {
        await expectRevert(
          vault.write.fractionalize([ticket.address, 1n, 100n, price], { account: fan1.account }),
          "FractionsInvalidBuyoutPrice",
          [price],
        );
      }
    });

    it("rejects a caller who does not own the ticket with FractionsNotTicketOwner", async function () {
      const { vault, ticket, fan1, fan2 } = await loadFixture(fractionsFixture);
      await mined(ticket.write.approve([vault.address, 1n], { account: fan1.account }));
      await expectRevert(
        vault.write.fractionalize([ticket.address, 1n, 100n, DEFAULT_BUYOUT], { account: fan2.account }),
        "FractionsNotTicketOwner",
        [ticket.address, 1n, fan2.account.address, fan1.account.address],
      );
    });

    it("rejects a ticket already in the vault with FractionsNotTicketOwner (the vault owns it)", async function () {
      const { vault, ticket, fan1, lock } = await loadFixture(fractionsFixture);
      await lock(1n);
      await expectRevert(
        vault.write.fractionalize([ticket.address, 1n, 100n, DEFAULT_BUYOUT], { account: fan1.account }),
        "FractionsNotTicketOwner",
        [ticket.address, 1n, fan1.account.address, vault.address],
      );
    });

    it("surfaces the ticket's ERC721NonexistentToken for a token that does not exist", async function () {
      const { vault, ticket, fan1 } = await loadFixture(fractionsFixture);
      await expectRevert(
        vault.write.fractionalize([ticket.address, 99n, 100n, DEFAULT_BUYOUT], { account: fan1.account }),
        "ERC721NonexistentToken",
        [99n],
        ticket.abi,
      );
    });

    it("fails with the ticket's ERC721InsufficientApproval when the vault was not approved", async function () {
      const { vault, ticket, fan1 } = await loadFixture(fractionsFixture);
      await expectRevert(
        vault.write.fractionalize([ticket.address, 1n, 100n, DEFAULT_BUYOUT], { account: fan1.account }),
        "ERC721InsufficientApproval",
        [vault.address, 1n],
        ticket.abi,
      );
    });

    it("cannot lock a checked-in ticket: the ticket refuses with TicketCheckedInNotTransferable", async function () {
      const { vault, ticket, fan1, checkIn } = await loadFixture(fractionsFixture);
      await checkIn(ticket, [1n]);
      await mined(ticket.write.approve([vault.address, 1n], { account: fan1.account }));
      await expectRevert(
        vault.write.fractionalize([ticket.address, 1n, 100n, DEFAULT_BUYOUT], { account: fan1.account }),
        "TicketCheckedInNotTransferable",
        [1n],
        ticket.abi,
      );
    });

    it("cannot lock a cancelled event's ticket: the ticket refuses with TicketEventCancelled", async function () {
      const { vault, ticket, fan1, promoter, eventId } = await loadFixture(fractionsFixture);
      await mined(ticket.write.approve([vault.address, 1n], { account: fan1.account }));
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(
        vault.write.fractionalize([ticket.address, 1n, 100n, DEFAULT_BUYOUT], { account: fan1.account }),
        "TicketEventCancelled",
        [eventId],
        ticket.abi,
      );
    });

    it("refuses a contract caller that does not accept ERC-1155 tokens (ERC1155InvalidReceiver)", async function () {
      const { vault, ticket, fan1 } = await loadFixture(fractionsFixture);
      // A contract that takes tickets but not ERC-1155 tokens (impersonated to act as the ticket's owner).
      const holder = await hre.viem.deployContract("ERC721ReceiverMock", [0]);
      await mined(ticket.write.safeTransferFrom([fan1.account.address, holder.address, 1n], { account: fan1.account }));
      await impersonateAccount(holder.address);
      await setBalance(holder.address, parseEther("1"));
      await mined(ticket.write.approve([vault.address, 1n], { account: holder.address }));
      await expectRevert(
        vault.write.fractionalize([ticket.address, 1n, 100n, DEFAULT_BUYOUT], { account: holder.address }),
        "ERC1155InvalidReceiver",
        [holder.address],
      );
    });

    describe("when the ticket was fractionalized before", function () {
      it("starts a fresh vault after a redeem", async function () {
        const { vault, ticket, fan1, lock } = await loadFixture(fractionsFixture);
        const { id } = await lock(1n, { shares: 100n, buyoutPrice: DEFAULT_BUYOUT });
        await mined(vault.write.redeem([id], { account: fan1.account }));
        const { id: again, receipt } = await lock(1n, { shares: 7n, buyoutPrice: 3n });
        expect(again).to.equal(id);
        expectSame(eventsOf(vault, receipt, "Fractionalized"), [
          { id, ticket: ticket.address, tokenId: 1n, owner: fan1.account.address, shares: 7n, buyoutPrice: 3n },
        ]);
        expectSame(await vault.read.vault([id]), {
          ticket: ticket.address,
          tokenId: 1n,
          totalShares: 7n,
          ticketPrice: BIG_PRICE,
          buyoutPrice: 3n,
          payout: 0n,
          state: VaultState.Locked,
        });
        expect(await vault.read.totalSupply([id])).to.equal(7n);
      });

      it("refuses while shares of a bought-out round are outstanding, then starts fresh once all cashed out", async function () {
        const { vault, ticket, fan1, fan2, lock, give } = await loadFixture(fractionsFixture);
        const { id } = await lock(1n, { shares: 10n });
        await give(id, fan1, fan2.account.address, 4n);
        await mined(vault.write.buyout([id], { value: DEFAULT_BUYOUT, account: fan2.account }));
        // fan2 now owns the ticket but 10 shares of the old round are still out
        await mined(ticket.write.approve([vault.address, 1n], { account: fan2.account }));
        await expectRevert(
          vault.write.fractionalize([ticket.address, 1n, 5n, 1n], { account: fan2.account }),
          "FractionsSharesOutstanding",
          [id, 10n],
        );
        await mined(vault.write.cashOut([id], { account: fan1.account }));
        await expectRevert(
          vault.write.fractionalize([ticket.address, 1n, 5n, 1n], { account: fan2.account }),
          "FractionsSharesOutstanding",
          [id, 4n],
        );
        await mined(vault.write.cashOut([id], { account: fan2.account }));
        await mined(vault.write.fractionalize([ticket.address, 1n, 5n, 1n], { account: fan2.account }));
        expectSame(await vault.read.vault([id]), {
          ticket: ticket.address,
          tokenId: 1n,
          totalShares: 5n,
          ticketPrice: BIG_PRICE,
          buyoutPrice: 1n,
          payout: 0n,
          state: VaultState.Locked,
        });
        expect(await vault.read.unpaidPayout([id])).to.equal(0n);
        expect(await vault.read.balanceOf([fan2.account.address, id])).to.equal(5n);
      });
    });
  });

  describe("when redeeming", function () {
    it("burns every share and gives the ticket to their holder", async function () {
      const { vault, ticket, fan1, fan2, lock, give } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 100n });
      await give(id, fan1, fan2.account.address, 30n);
      await give(id, fan2, fan1.account.address, 30n); // gathered back

      const receipt = await mined(vault.write.redeem([id], { account: fan1.account }));
      expectSame(eventsOf(vault, receipt, "TransferSingle"), [
        { operator: fan1.account.address, from: fan1.account.address, to: zeroAddress, id, value: 100n },
      ]);
      expectSame(eventsOf(vault, receipt, "Redeemed"), [{ id, holder: fan1.account.address }]);
      expectSame(eventsOf(ticket, receipt, "Transfer"), [{ from: vault.address, to: fan1.account.address, tokenId: 1n }]);
      same(await ticket.read.ownerOf([1n]), fan1.account.address);
      expect(await vault.read.totalSupply([id])).to.equal(0n);
      expect(await vault.read.balanceOf([fan1.account.address, id])).to.equal(0n);
      expect((await vault.read.vault([id])).state).to.equal(VaultState.Redeemed);
      expect((await ticket.read.ticketData([1n])).isFractional).to.equal(false);
    });

    it("lets the buyer of every share redeem, not only the fractionalizer", async function () {
      const { vault, ticket, fan1, fan3, lock, give } = await loadFixture(fractionsFixture);
      const { id } = await lock(2n, { shares: 3n });
      await give(id, fan1, fan3.account.address, 3n);
      await mined(vault.write.redeem([id], { account: fan3.account }));
      same(await ticket.read.ownerOf([2n]), fan3.account.address);
    });

    it("rejects a partial holder with FractionsNotWholeOwner", async function () {
      const { vault, fan1, fan2, lock, give } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 100n });
      await give(id, fan1, fan2.account.address, 1n);
      await expectRevert(vault.write.redeem([id], { account: fan1.account }), "FractionsNotWholeOwner", [id, 99n, 100n]);
      await expectRevert(vault.write.redeem([id], { account: fan2.account }), "FractionsNotWholeOwner", [id, 1n, 100n]);
    });

    it("rejects an id that is not locked with FractionsNotLocked", async function () {
      const { vault, fan1, lock } = await loadFixture(fractionsFixture);
      await expectRevert(vault.write.redeem([42n], { account: fan1.account }), "FractionsNotLocked", [42n, VaultState.None]);
      const { id } = await lock(1n);
      await mined(vault.write.redeem([id], { account: fan1.account }));
      await expectRevert(vault.write.redeem([id], { account: fan1.account }), "FractionsNotLocked", [id, VaultState.Redeemed]);
    });

    it("cannot take out a cancelled event's ticket: the ticket refuses with TicketEventCancelled", async function () {
      const { vault, ticket, fan1, promoter, eventId, lock } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(vault.write.redeem([id], { account: fan1.account }), "TicketEventCancelled", [eventId], ticket.abi);
    });

    it("cannot have its ticket checked in while in the vault (TicketFractionalized), so the shares stay redeemable", async function () {
      // A ticket checked in inside the vault could never leave it; the ticket contract refuses the check-in.
      const { vault, ticket, fan1, lock, checkIn } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n);
      await expectRevert(checkIn(ticket, [1n]), "TicketFractionalized", [1n], ticket.abi);
      expect(await ticket.read.isCheckedIn([1n])).to.equal(false);
      await mined(vault.write.redeem([id], { account: fan1.account }));
      same(await ticket.read.ownerOf([1n]), fan1.account.address);
    });

    it("refuses a contract holder that rejects ERC-721 tokens (the ticket's safe transfer)", async function () {
      const { vault, ticket, attacker, fan1, lock, give, attackerDoes } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 2n });
      await give(id, fan1, attacker.address, 2n);
      await mined(attacker.write.setRejectTickets([true]));
      await expectRevert(
        attackerDoes(vault.address, encodeFunctionData({ abi: vault.abi, functionName: "redeem", args: [id] })),
        "FractionsReentrantRejected",
        [1n],
        attacker.abi,
      );
      same(await ticket.read.ownerOf([1n]), vault.address);
      expect(await vault.read.balanceOf([attacker.address, id])).to.equal(2n);
    });
  });

  describe("when buying out", function () {
    it("takes exactly the buyout price, hands over the ticket and keeps the payment for the holders", async function () {
      const { vault, ticket, fan1, fan2, fan3, lock, give, publicClient } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 100n, buyoutPrice: parseEther("2") });
      await give(id, fan1, fan2.account.address, 25n);

      const receipt = await mined(vault.write.buyout([id], { value: parseEther("2"), account: fan3.account }));
      expectSame(eventsOf(vault, receipt, "BoughtOut"), [{ id, buyer: fan3.account.address, price: parseEther("2") }]);
      expectSame(eventsOf(ticket, receipt, "Transfer"), [{ from: vault.address, to: fan3.account.address, tokenId: 1n }]);
      same(await ticket.read.ownerOf([1n]), fan3.account.address);
      expectSame(await vault.read.vault([id]), {
        ticket: ticket.address,
        tokenId: 1n,
        totalShares: 100n,
        ticketPrice: BIG_PRICE,
        buyoutPrice: parseEther("2"),
        payout: parseEther("2"),
        state: VaultState.BoughtOut,
      });
      expect(await vault.read.unpaidPayout([id])).to.equal(parseEther("2"));
      expect(await publicClient.getBalance({ address: vault.address })).to.equal(parseEther("2"));
      // shares are untouched until cashed out
      expect(await vault.read.totalSupply([id])).to.equal(100n);
      expect(await vault.read.balanceOf([fan2.account.address, id])).to.equal(25n);
    });

    it("lets a share holder buy out the others", async function () {
      const { vault, ticket, fan1, fan2, lock, give } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 10n, buyoutPrice: 10n });
      await give(id, fan1, fan2.account.address, 6n);
      await mined(vault.write.buyout([id], { value: 10n, account: fan2.account }));
      same(await ticket.read.ownerOf([1n]), fan2.account.address);
      const { result } = await vault.simulate.cashOut([id], { account: fan2.account.address });
      expect(result).to.equal(6n);
    });

    it("rejects any other amount with FractionsWrongPayment", async function () {
      const { vault, fan2, lock } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { buyoutPrice: DEFAULT_BUYOUT });
      for (const value of [0n, DEFAULT_BUYOUT - 1n, DEFAULT_BUYOUT + 1n]) {
        await expectRevert(
          vault.write.buyout([id], { value, account: fan2.account }),
          "FractionsWrongPayment",
          [id, DEFAULT_BUYOUT, value],
        );
      }
    });

    it("rejects an id that is not locked with FractionsNotLocked", async function () {
      const { vault, fan1, fan2, lock } = await loadFixture(fractionsFixture);
      await expectRevert(
        vault.write.buyout([42n], { value: 0n, account: fan2.account }),
        "FractionsNotLocked",
        [42n, VaultState.None],
      );
      const { id } = await lock(1n);
      await mined(vault.write.buyout([id], { value: DEFAULT_BUYOUT, account: fan2.account }));
      await expectRevert(
        vault.write.buyout([id], { value: DEFAULT_BUYOUT, account: fan2.account }),
        "FractionsNotLocked",
        [id, VaultState.BoughtOut],
      );
      const { id: redeemed } = await lock(2n);
      await mined(vault.write.redeem([redeemed], { account: fan1.account }));
      await expectRevert(
        vault.write.buyout([redeemed], { value: DEFAULT_BUYOUT, account: fan2.account }),
        "FractionsNotLocked",
        [redeemed, VaultState.Redeemed],
      );
    });

    it("rejects a buyout of a cancelled event's ticket with FractionsEventCancelled", async function () {
      const { vault, ticket, fan2, promoter, lock } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(
        vault.write.buyout([id], { value: DEFAULT_BUYOUT, account: fan2.account }),
        "FractionsEventCancelled",
        [id, ticket.address],
      );
    });

    it("refuses a contract buyer that rejects ERC-721 tokens (the ticket's safe transfer)", async function () {
      const { vault, lock } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n);
      const rejecting = await hre.viem.deployContract("ERC721ReceiverMock", [2]); // RevertWithError
      await impersonateAccount(rejecting.address);
      await setBalance(rejecting.address, parseEther("5"));
      const ticketAbi = (await hre.viem.getContractAt("ERC721ReceiverMock", rejecting.address)).abi;
      await expectRevert(
        vault.write.buyout([id], { value: DEFAULT_BUYOUT, account: rejecting.address }),
        "ReceiverRejected",
        [1n],
        ticketAbi,
      );
      expect((await vault.read.vault([id])).state).to.equal(VaultState.Locked);
    });
  });

  describe("when cashing out", function () {
    it("pays each holder payout × shares / totalShares and the last one the remainder (no dust)", async function () {
      const { vault, fan1, fan2, fan3, stranger, lock, give, publicClient, balance } =
        await loadFixture(fractionsFixture);
      const price = parseEther("1") + 1n; // 1e18 + 1 wei over 3 equal parts: 333…333, 333…333, then 333…335
      const { id } = await lock(1n, { shares: 3n, buyoutPrice: price });
      await give(id, fan1, fan2.account.address, 1n);
      await give(id, fan1, fan3.account.address, 1n);
      await mined(vault.write.buyout([id], { value: price, account: stranger.account }));

      const part = price / 3n;
      const payouts: bigint[] = [];
      for (const holder of [fan2, fan1, fan3]) {
        const { result } = await vault.simulate.cashOut([id], { account: holder.account.address });
        const before = await balance(holder.account.address);
        const receipt = await mined(vault.write.cashOut([id], { account: holder.account }));
        const [event] = eventsOf(vault, receipt, "SharesCashedOut");
        expectSame(event, { id, holder: holder.account.address, shares: 1n, amount: result });
        expectSame(eventsOf(vault, receipt, "TransferSingle"), [
          { operator: holder.account.address, from: holder.account.address, to: zeroAddress, id, value: 1n },
        ]);
        expect(await balance(holder.account.address)).to.equal(before + result - gasCost(receipt));
        payouts.push(result);
      }
      expectSame(payouts, [part, part, price - 2n * part]);
      expect(payouts[2] > part, "the last holder gets the rounding remainder").to.equal(true);
      expect(await vault.read.totalSupply([id])).to.equal(0n);
      expect(await vault.read.unpaidPayout([id])).to.equal(0n);
      expect(await publicClient.getBalance({ address: vault.address })).to.equal(0n);
      // the record keeps the payout for the record
      expect((await vault.read.vault([id])).payout).to.equal(price);
    });

    it("burns all of a holder's shares at once and lets shares change hands before", async function () {
      const { vault, fan1, fan2, stranger, lock, give } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 100n, buyoutPrice: 1000n });
      await mined(vault.write.buyout([id], { value: 1000n, account: stranger.account }));
      await give(id, fan1, fan2.account.address, 37n);
      const receipt = await mined(vault.write.cashOut([id], { account: fan2.account }));
      expectSame(eventsOf(vault, receipt, "SharesCashedOut"), [
        { id, holder: fan2.account.address, shares: 37n, amount: 370n },
      ]);
      expect(await vault.read.unpaidPayout([id])).to.equal(630n);
      expect(await vault.read.totalSupply([id])).to.equal(63n);
    });

    it("pays the relayed signer, not the relayer", async function () {
      const { vault, fan1, fan2, relayer, lock, give, relay, balance } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 4n, buyoutPrice: 400n });
      await give(id, fan1, fan2.account.address, 1n);
      await mined(vault.write.buyout([id], { value: 400n, account: fan1.account }));
      const before = await balance(fan2.account.address);
      const receipt = await relay(fan2, encodeFunctionData({ abi: vault.abi, functionName: "cashOut", args: [id] }));
      expectSame(eventsOf(vault, receipt, "SharesCashedOut"), [
        { id, holder: fan2.account.address, shares: 1n, amount: 100n },
      ]);
      same(receipt.from, relayer.account.address);
      expect(await balance(fan2.account.address)).to.equal(before + 100n); // the relayer paid the gas
    });

    it("rejects an id that is not settled with FractionsNotSettled", async function () {
      const { vault, fan1, lock } = await loadFixture(fractionsFixture);
      await expectRevert(vault.write.cashOut([42n], { account: fan1.account }), "FractionsNotSettled", [42n, VaultState.None]);
      const { id } = await lock(1n);
      await expectRevert(vault.write.cashOut([id], { account: fan1.account }), "FractionsNotSettled", [id, VaultState.Locked]);
      await mined(vault.write.redeem([id], { account: fan1.account }));
      await expectRevert(vault.write.cashOut([id], { account: fan1.account }), "FractionsNotSettled", [id, VaultState.Redeemed]);
    });

    it("rejects a caller without shares with FractionsNoShares", async function () {
      const { vault, fan1, fan2, lock } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n);
      await mined(vault.write.buyout([id], { value: DEFAULT_BUYOUT, account: fan2.account }));
      await expectRevert(vault.write.cashOut([id], { account: fan2.account }), "FractionsNoShares", [id, fan2.account.address]);
      await mined(vault.write.cashOut([id], { account: fan1.account }));
      await expectRevert(vault.write.cashOut([id], { account: fan1.account }), "FractionsNoShares", [id, fan1.account.address]);
    });
  });

  describe("when the event is cancelled", function () {
    it("collects the refund of a ticket bought on chain, for anyone to trigger, and shares it pro rata", async function () {
      const { vault, ticket, escrow, fan1, fan2, stranger, promoter, lock, give, publicClient } =
        await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 8n });
      await give(id, fan1, fan2.account.address, 3n);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));

      const receipt = await mined(vault.write.collectRefund([id], { account: stranger.account }));
      expectSame(eventsOf(vault, receipt, "RefundCollected"), [{ id, amount: BIG_PRICE }]);
      expectSame(eventsOf(escrow, receipt, "RefundClaimed"), [
        { ticket: ticket.address, tokenId: 1n, holder: vault.address, amount: BIG_PRICE },
      ]);
      expect(await escrow.read.refunded([ticket.address, 1n])).to.equal(true);
      expect(await publicClient.getBalance({ address: vault.address })).to.equal(BIG_PRICE);
      expectSame(await vault.read.vault([id]), {
        ticket: ticket.address,
        tokenId: 1n,
        totalShares: 8n,
        ticketPrice: BIG_PRICE,
        buyoutPrice: DEFAULT_BUYOUT,
        payout: BIG_PRICE,
        state: VaultState.Refunded,
      });
      // the ticket itself stays in the vault (a cancelled event's tickets cannot move)
      same(await ticket.read.ownerOf([1n]), vault.address);

      const r2 = await mined(vault.write.cashOut([id], { account: fan2.account }));
      expectSame(eventsOf(vault, r2, "SharesCashedOut"), [
        { id, holder: fan2.account.address, shares: 3n, amount: (BIG_PRICE * 3n) / 8n },
      ]);
      const r1 = await mined(vault.write.cashOut([id], { account: fan1.account }));
      expectSame(eventsOf(vault, r1, "SharesCashedOut"), [
        { id, holder: fan1.account.address, shares: 5n, amount: BIG_PRICE - (BIG_PRICE * 3n) / 8n },
      ]);
      expect(await publicClient.getBalance({ address: vault.address })).to.equal(0n);
    });

    it("settles a card-minted ticket as Refunded with payout 0; shares can still be burned", async function () {
      const { vault, ticket, escrow, fan2, fan3, promoter, lock, give } = await loadFixture(fractionsFixture);
      const { id } = await lock(4n, { from: fan2, shares: 2n });
      await give(id, fan2, fan3.account.address, 1n);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));

      const receipt = await mined(vault.write.collectRefund([id], { account: fan3.account }));
      expectSame(eventsOf(vault, receipt, "RefundCollected"), [{ id, amount: 0n }]);
      expect(eventsOf(escrow, receipt, "RefundClaimed")).to.have.length(0);
      expect((await vault.read.vault([id])).state).to.equal(VaultState.Refunded);
      expect((await vault.read.vault([id])).payout).to.equal(0n);

      for (const holder of [fan2, fan3]) {
        const { result } = await vault.simulate.cashOut([id], { account: holder.account.address });
        expect(result).to.equal(0n);
        const r = await mined(vault.write.cashOut([id], { account: holder.account }));
        expectSame(eventsOf(vault, r, "SharesCashedOut"), [{ id, holder: holder.account.address, shares: 1n, amount: 0n }]);
      }
      expect(await vault.read.totalSupply([id])).to.equal(0n);
    });

    it("rejects a refund while the event is on with FractionsEventNotCancelled", async function () {
      const { vault, ticket, stranger, lock } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n);
      await expectRevert(
        vault.write.collectRefund([id], { account: stranger.account }),
        "FractionsEventNotCancelled",
        [id, ticket.address],
      );
    });

    it("rejects a second collection, or one after a buyout, with FractionsNotLocked", async function () {
      const { vault, ticket, fan2, stranger, promoter, lock } = await loadFixture(fractionsFixture);
      const { id: bought } = await lock(2n);
      await mined(vault.write.buyout([bought], { value: DEFAULT_BUYOUT, account: fan2.account }));
      const { id } = await lock(1n);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(
        vault.write.collectRefund([bought], { account: stranger.account }),
        "FractionsNotLocked",
        [bought, VaultState.BoughtOut],
      );
      await mined(vault.write.collectRefund([id], { account: stranger.account }));
      await expectRevert(
        vault.write.collectRefund([id], { account: stranger.account }),
        "FractionsNotLocked",
        [id, VaultState.Refunded],
      );
      await expectRevert(
        vault.write.collectRefund([42n], { account: stranger.account }),
        "FractionsNotLocked",
        [42n, VaultState.None],
      );
    });

    it("uses the escrow the ticket paid into, even after the factory moved to another escrow", async function () {
      const { vault, ticket, escrow, factory, admin, stranger, promoter, lock, marketplaceAccount } =
        await loadFixture(fractionsFixture);
      const { id } = await lock(1n);
      await mined(
        factory.write.setPlatformContracts([stranger.account.address, marketplaceAccount.account.address, vault.address], {
          account: admin.account,
        }),
      );
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      const receipt = await mined(vault.write.collectRefund([id], { account: stranger.account }));
      expectSame(eventsOf(escrow, receipt, "RefundClaimed"), [
        { ticket: ticket.address, tokenId: 1n, holder: vault.address, amount: BIG_PRICE },
      ]);
    });
  });

  describe("when sent the native coin directly", function () {
    it("refuses anyone with FractionsUnexpectedPayment", async function () {
      const { vault, fan1 } = await loadFixture(fractionsFixture);
      await expectRevert(
        fan1.sendTransaction({ to: vault.address, value: 1n, account: fan1.account }),
        "FractionsUnexpectedPayment",
        [fan1.account.address, 1n],
        vault.abi,
      );
    });

    it("refuses even the escrow outside a refund collection", async function () {
      const { vault, escrow } = await loadFixture(fractionsFixture);
      await impersonateAccount(escrow.address);
      await setBalance(escrow.address, parseEther("1"));
      const escrowWallet = await hre.viem.getWalletClient(escrow.address as Address);
      await expectRevert(
        escrowWallet.sendTransaction({ to: vault.address, value: 5n }),
        "FractionsUnexpectedPayment",
        [escrow.address, 5n],
        vault.abi,
      );
    });
  });

  describe("when upgrading", function () {
    it("lets the factory's admin upgrade and keeps every vault", async function () {
      const { vault, forwarder, admin, publicClient, lock } = await loadFixture(fractionsFixture);
      const { id } = await lock(1n, { shares: 9n });
      const next = await hre.viem.deployContract("FractionalTicketOwnership", [forwarder.address]);
      const receipt = await mined(vault.write.upgradeToAndCall([next.address, "0x"], { account: admin.account }));
      expectSame(eventsOf(vault, receipt, "Upgraded"), [{ implementation: next.address }]);
      const slot = await publicClient.getStorageAt({ address: vault.address, slot: IMPLEMENTATION_SLOT });
      same(`0x${slot!.slice(26)}`, next.address);
      expect(await vault.read.totalSupply([id])).to.equal(9n);
      expect((await vault.read.vault([id])).state).to.equal(VaultState.Locked);
    });

    it("rejects anyone else with FractionsUnauthorized", async function () {
      const { vault, forwarder, stranger, promoter, minter } = await loadFixture(fractionsFixture);
      const next = await hre.viem.deployContract("FractionalTicketOwnership", [forwarder.address]);
      for (const account of [stranger, promoter, minter]) {
        await expectRevert(
          vault.write.upgradeToAndCall([next.address, "0x"], { account: account.account }),
          "FractionsUnauthorized",
          [account.account.address],
        );
      }
    });

    it("cannot be upgraded through the implementation itself (UUPSUnauthorizedCallContext)", async function () {
      const { vaultImplementation, forwarder, admin } = await loadFixture(fractionsFixture);
      const next = await hre.viem.deployContract("FractionalTicketOwnership", [forwarder.address]);
      await expectRevert(
        vaultImplementation.write.upgradeToAndCall([next.address, "0x"], { account: admin.account }),
        "UUPSUnauthorizedCallContext",
      );
    });
  });

  describe("when a holder re-enters", function () {
    async function attackerHolds() {
      const f = await fractionsFixture();
      const { vault, ticket, attacker, lock, give, fan1 } = f;
      const { id } = await lock(1n, { shares: 10n, buyoutPrice: 1000n });
      await give(id, fan1, attacker.address, 4n);
      const { id: other } = await lock(2n, { shares: 10n, buyoutPrice: 1000n });
      return { ...f, id, other, ticketAddress: ticket.address, vaultAddress: vault.address };
    }

    it("stops cashOut re-entered from receive() (the revert bubbles up)", async function () {
      const { vault, attacker, fan2, id, attackerDoes } = await loadFixture(attackerHolds);
      await mined(vault.write.buyout([id], { value: 1000n, account: fan2.account }));
      const cashOut = encodeFunctionData({ abi: vault.abi, functionName: "cashOut", args: [id] });
      await mined(attacker.write.arm([Hook.Receive, cashOut, 0n, false]));
      await expectRevert(attackerDoes(vault.address, cashOut), "ReentrancyGuardReentrantCall", [], vault.abi);
      expect(await vault.read.balanceOf([attacker.address, id])).to.equal(4n);
    });

    it("stops cashOut re-entered from receive() and pays only once (revert swallowed)", async function () {
      const { vault, attacker, fan2, id, attackerDoes, publicClient } = await loadFixture(attackerHolds);
      await mined(vault.write.buyout([id], { value: 1000n, account: fan2.account }));
      const cashOut = encodeFunctionData({ abi: vault.abi, functionName: "cashOut", args: [id] });
      await mined(attacker.write.arm([Hook.Receive, cashOut, 0n, true]));
      const before = await publicClient.getBalance({ address: attacker.address });
      await attackerDoes(vault.address, cashOut);
      expect(await attacker.read.reentryAttempts()).to.equal(1n);
      expect(await attacker.read.reentrySucceeded()).to.equal(false);
      expect(await attacker.read.reentryRevertData()).to.equal(REENTRANT_CALL);
      expect(await publicClient.getBalance({ address: attacker.address })).to.equal(before + 400n);
      expect(await vault.read.unpaidPayout([id])).to.equal(600n);
    });

    it("stops a refund collection re-entered from receive() during a cash-out", async function () {
      const { vault, ticket, attacker, promoter, stranger, id, other, attackerDoes } = await loadFixture(attackerHolds);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await mined(vault.write.collectRefund([id], { account: stranger.account }));
      const collect = encodeFunctionData({ abi: vault.abi, functionName: "collectRefund", args: [other] });
      const cashOut = encodeFunctionData({ abi: vault.abi, functionName: "cashOut", args: [id] });
      await mined(attacker.write.arm([Hook.Receive, collect, 0n, false]));
      await expectRevert(attackerDoes(vault.address, cashOut), "ReentrancyGuardReentrantCall", [], vault.abi);

      await mined(attacker.write.arm([Hook.Receive, collect, 0n, true]));
      await attackerDoes(vault.address, cashOut);
      expect(await attacker.read.reentryRevertData()).to.equal(REENTRANT_CALL);
      expect((await vault.read.vault([other])).state).to.equal(VaultState.Locked);
      // outside the cash-out, anyone may collect it
      await mined(vault.write.collectRefund([other], { account: stranger.account }));
      expect((await vault.read.vault([other])).state).to.equal(VaultState.Refunded);
    });

    it("stops a second buyout re-entered from onERC721Received during a buyout", async function () {
      const { vault, ticket, attacker, id, other, attackerDoes } = await loadFixture(attackerHolds);
      const second = encodeFunctionData({ abi: vault.abi, functionName: "buyout", args: [other] });
      await mined(attacker.write.arm([Hook.ERC721, second, 1000n, false]));
      const first = encodeFunctionData({ abi: vault.abi, functionName: "buyout", args: [id] });
      await expectRevert(attackerDoes(vault.address, first, 1000n), "ReentrancyGuardReentrantCall", [], vault.abi);

      await mined(attacker.write.arm([Hook.ERC721, second, 1000n, true]));
      await attackerDoes(vault.address, first, 1000n);
      expect(await attacker.read.reentryRevertData()).to.equal(REENTRANT_CALL);
      same(await ticket.read.ownerOf([1n]), attacker.address);
      same(await ticket.read.ownerOf([2n]), vault.address);
      expect((await vault.read.vault([other])).state).to.equal(VaultState.Locked);
    });

    it("stops a re-fractionalization re-entered from onERC721Received during a redeem", async function () {
      const { vault, ticket, attacker, fan1, id, give, attackerDoes } = await loadFixture(attackerHolds);
      await give(id, fan1, attacker.address, 6n); // attacker holds all 10
      await attackerDoes(
        ticket.address,
        encodeFunctionData({ abi: ticket.abi, functionName: "setApprovalForAll", args: [vault.address, true] }),
      );
      const relock = encodeFunctionData({
        abi: vault.abi,
        functionName: "fractionalize",
        args: [ticket.address, 1n, 10n, 1n],
      });
      const redeem = encodeFunctionData({ abi: vault.abi, functionName: "redeem", args: [id] });
      await mined(attacker.write.arm([Hook.ERC721, relock, 0n, false]));
      await expectRevert(attackerDoes(vault.address, redeem), "ReentrancyGuardReentrantCall", [], vault.abi);

      await mined(attacker.write.arm([Hook.ERC721, relock, 0n, true]));
      await attackerDoes(vault.address, redeem);
      expect(await attacker.read.reentryRevertData()).to.equal(REENTRANT_CALL);
      same(await ticket.read.ownerOf([1n]), attacker.address);
      expect((await vault.read.vault([id])).state).to.equal(VaultState.Redeemed);
      expect(await vault.read.totalSupply([id])).to.equal(0n);
    });

    it("stops a redeem re-entered from onERC1155Received while its shares are minted", async function () {
      const { vault, ticket, attacker, attackerDoes } = await loadFixture(fractionsFixture);
      // the attacker buys its own ticket (6) and fractionalizes it
      await attackerDoes(ticket.address, encodeFunctionData({ abi: ticket.abi, functionName: "buy", args: [1n, 1n] }), BIG_PRICE);
      same(await ticket.read.ownerOf([6n]), attacker.address);
      await attackerDoes(
        ticket.address,
        encodeFunctionData({ abi: ticket.abi, functionName: "approve", args: [vault.address, 6n] }),
      );
      const id = fractionIdOf(ticket.address, 6n);
      const redeem = encodeFunctionData({ abi: vault.abi, functionName: "redeem", args: [id] });
      const lock = encodeFunctionData({ abi: vault.abi, functionName: "fractionalize", args: [ticket.address, 6n, 5n, 9n] });
      await mined(attacker.write.arm([Hook.ERC1155, redeem, 0n, false]));
      await expectRevert(attackerDoes(vault.address, lock), "ReentrancyGuardReentrantCall", [], vault.abi);

      await mined(attacker.write.arm([Hook.ERC1155, redeem, 0n, true]));
      await attackerDoes(vault.address, lock);
      expect(await attacker.read.reentryRevertData()).to.equal(REENTRANT_CALL);
      same(await ticket.read.ownerOf([6n]), vault.address);
      expect(await vault.read.balanceOf([attacker.address, id])).to.equal(5n);
      expect((await vault.read.vault([id])).state).to.equal(VaultState.Locked);
    });
  });

  describe("gas", function () {
    it("reports fractionalize into 100, redeem, buyout and cashOut", async function () {
      const { vault, ticket, fan1, fan2, stranger, lock, give } = await loadFixture(fractionsFixture);
      // The vault's very first ticket also pays for the vault's ticket balance going 0 -> 1.
      const { receipt: first } = await lock(3n, { shares: 100n });
      const { receipt: fractionalize } = await lock(1n, { shares: 100n });
      const id1 = fractionIdOf(ticket.address, 1n);
      const redeem = await mined(vault.write.redeem([id1], { account: fan1.account }));
      const { id } = await lock(2n, { shares: 100n });
      await give(id, fan1, fan2.account.address, 40n);
      const buyout = await mined(vault.write.buyout([id], { value: DEFAULT_BUYOUT, account: stranger.account }));
      const cashOutPart = await mined(vault.write.cashOut([id], { account: fan2.account }));
      const cashOutLast = await mined(vault.write.cashOut([id], { account: fan1.account }));
      const report = {
        "fractionalize 100 (vault's first ticket)": first.gasUsed,
        "fractionalize 100": fractionalize.gasUsed,
        redeem: redeem.gasUsed,
        buyout: buyout.gasUsed,
        "cashOut (not last)": cashOutPart.gasUsed,
        "cashOut (last)": cashOutLast.gasUsed,
      };
      console.log(`      gas: ${Object.entries(report).map(([k, v]) => `${k} ${v}`).join(", ")}`);
      const ceilings: Record<keyof typeof report, number> = {
        "fractionalize 100 (vault's first ticket)": 240_000,
        "fractionalize 100": 220_000,
        redeem: 80_000,
        buyout: 120_000,
        "cashOut (not last)": 60_000,
        "cashOut (last)": 60_000,
      };
      // solidity-coverage instruments the bytecode: the numbers then mean nothing
      if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) return;
      for (const [name, gas] of Object.entries(report)) {
        expect(Number(gas), name).to.be.lessThan(ceilings[name as keyof typeof report]);
      }
    });
  });
});
