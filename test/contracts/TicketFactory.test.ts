import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { encodeAbiParameters, encodeFunctionData, keccak256, parseEther, zeroAddress } from "viem";
import { BASE_URI, EVENT_NAME, ONE_DAY, TIERS, eventsOf, expectRevert, expectSame, mined } from "./fixtures";
import { RESALE_CAP_BPS, ROYALTY_BPS, addr, eventFixture, platformFixture } from "./platform";

const role = (label: string, id: bigint) =>
  keccak256(encodeAbiParameters([{ type: "string" }, { type: "uint256" }], [label, id]));

/** A valid EventInput starting a week after `now`. */
const input = (now: bigint, overrides: Record<string, unknown> = {}) => ({
  name: EVENT_NAME,
  startsAt: now + 7n * ONE_DAY,
  baseURI: BASE_URI,
  royaltyBps: ROYALTY_BPS,
  resaleCapBps: RESALE_CAP_BPS,
  tiers: TIERS.map((t) => ({ price: t.price, supply: t.supply })),
  ...overrides,
});

/** A factory proxy whose platform contracts are not set yet. */
async function bareFactoryFixture() {
  const [admin, minter, promoter] = await hre.viem.getWalletClients();
  const forwarder = await hre.viem.deployContract("TrustedForwarder");
  const ticketImplementation = await hre.viem.deployContract("ConcertTicket", [forwarder.address]);
  const implementation = await hre.viem.deployContract("TicketFactory", [forwarder.address]);
  // OpenZeppelin 5.7's proxy wants constructor data: a harmless view leaves the factory uninitialised.
  const proxy = await hre.viem.deployContract("ERC1967Proxy", [
    implementation.address,
    encodeFunctionData({ abi: implementation.abi, functionName: "eventCount" }),
  ]);
  const factory = await hre.viem.getContractAt("TicketFactory", proxy.address);
  return { admin, minter, promoter, forwarder, ticketImplementation, implementation, factory };
}

describe("TicketFactory", function () {
  describe("when initialised behind its proxy", function () {
    it("gives the admin DEFAULT_ADMIN_ROLE and the minter MINTER_ROLE, and nothing to the deployer", async function () {
      const { factory, admin, minter, promoter, DEFAULT_ADMIN_ROLE, MINTER_ROLE, PROMOTER_ROLE } =
        await loadFixture(platformFixture);
      expect(await factory.read.hasRole([DEFAULT_ADMIN_ROLE, admin.account.address])).to.equal(true);
      expect(await factory.read.hasRole([MINTER_ROLE, minter.account.address])).to.equal(true);
      expect(await factory.read.hasRole([PROMOTER_ROLE, promoter.account.address])).to.equal(true);
      expect(await factory.read.hasRole([MINTER_ROLE, admin.account.address])).to.equal(false);
      expect(MINTER_ROLE).to.equal(keccak256(new TextEncoder().encode("MINTER_ROLE")));
      expect(PROMOTER_ROLE).to.equal(keccak256(new TextEncoder().encode("PROMOTER_ROLE")));
      expect(await factory.read.MAX_ROYALTY_BPS()).to.equal(1000);
      expect(await factory.read.MAX_TIERS()).to.equal(256n);
    });

    it("knows its implementation, platform contracts, forwarder and has no events", async function () {
      const p = await loadFixture(platformFixture);
      expect(addr(await p.factory.read.ticketImplementation())).to.equal(addr(p.ticketImplementation.address));
      expect(addr(await p.factory.read.escrow())).to.equal(addr(p.escrow.address));
      expect(addr(await p.factory.read.marketplace())).to.equal(addr(p.marketplaceAccount.account.address));
      expect(addr(await p.factory.read.fractions())).to.equal(addr(p.fractionsAccount.account.address));
      expect(addr(await p.factory.read.trustedForwarder())).to.equal(addr(p.forwarder.address));
      expect(await p.factory.read.isTrustedForwarder([p.forwarder.address])).to.equal(true);
      expect(await p.factory.read.isTrustedForwarder([p.admin.account.address])).to.equal(false);
      expect(await p.factory.read.eventCount()).to.equal(0n);
      expect(await p.factory.read.supportsInterface(["0x7965db0b"])).to.equal(true); // IAccessControl
    });

    it("cannot be initialised twice, nor can the implementation be initialised", async function () {
      const p = await loadFixture(platformFixture);
      const args = [p.admin.account.address, p.minter.account.address, p.ticketImplementation.address] as const;
      await expectRevert(p.factory.write.initialize([...args]), "InvalidInitialization");
      await expectRevert(p.factoryImplementation.write.initialize([...args]), "InvalidInitialization");
    });

    it("rejects a zero admin or an implementation without code", async function () {
      const { factory, admin, minter, ticketImplementation } = await loadFixture(bareFactoryFixture);
      await expectRevert(
        factory.write.initialize([zeroAddress, minter.account.address, ticketImplementation.address]),
        "FactoryInvalidAddress",
        [zeroAddress],
      );
      await expectRevert(
        factory.write.initialize([admin.account.address, minter.account.address, minter.account.address]),
        "FactoryInvalidAddress",
        [minter.account.address],
      );
    });

    it("grants no minter role when the minter is zero", async function () {
      const { factory, admin, ticketImplementation } = await loadFixture(bareFactoryFixture);
      const receipt = await mined(factory.write.initialize([admin.account.address, zeroAddress, ticketImplementation.address]));
      expectSame(eventsOf(factory, receipt, "RoleGranted"), [
        { role: await factory.read.DEFAULT_ADMIN_ROLE(), account: admin.account.address, sender: admin.account.address },
      ]);
    });
  });

  describe("when a promoter creates an event", function () {
    it("clones, registers and initialises the ticket contract and emits EventCreated", async function () {
      const p = await loadFixture(platformFixture);
      const { eventId, ticket, receipt, startsAt } = await p.createEvent({ grantScanner: false });
      expect(eventId).to.equal(1n);
      expectSame(eventsOf(p.factory, receipt, "EventCreated"), [
        { eventId: 1n, ticket: ticket.address, promoter: p.promoter.account.address, name: EVENT_NAME, startsAt },
      ]);
      expect(await p.factory.read.eventCount()).to.equal(1n);
      expect(addr(await p.factory.read.eventContract([1n]))).to.equal(addr(ticket.address));
      expect(await p.factory.read.eventOf([ticket.address])).to.equal(1n);
      expect(await p.factory.read.eventOf([p.stranger.account.address])).to.equal(0n);
      // the clone is a 45-byte EIP-1167 proxy of the implementation
      const code = await p.publicClient.getCode({ address: ticket.address });
      expect(code?.length).to.equal(2 + 45 * 2);
      expect(code).to.contain(p.ticketImplementation.address.slice(2).toLowerCase());
      expect(addr(await ticket.read.factory())).to.equal(addr(p.factory.address));
      expect(addr(await ticket.read.escrow())).to.equal(addr(p.escrow.address));
      expect(addr(await ticket.read.promoter())).to.equal(addr(p.promoter.account.address));
      expect(await ticket.read.eventId()).to.equal(1n);
      expect(await ticket.read.startsAt()).to.equal(startsAt);
    });

    it("grants promoterRole(eventId) to the creator and makes it the admin of scannerRole(eventId)", async function () {
      const p = await loadFixture(platformFixture);
      const { receipt } = await p.createEvent({ grantScanner: false });
      const promoterRole = role("PROMOTER", 1n);
      const scannerRole = role("SCANNER", 1n);
      expect(await p.factory.read.promoterRole([1n])).to.equal(promoterRole);
      expect(await p.factory.read.scannerRole([1n])).to.equal(scannerRole);
      expect(await p.factory.read.getRoleAdmin([promoterRole])).to.equal(p.DEFAULT_ADMIN_ROLE);
      expect(await p.factory.read.getRoleAdmin([scannerRole])).to.equal(promoterRole);
      expectSame(eventsOf(p.factory, receipt, "RoleAdminChanged"), [
        { role: scannerRole, previousAdminRole: p.DEFAULT_ADMIN_ROLE, newAdminRole: promoterRole },
      ]);
      expectSame(eventsOf(p.factory, receipt, "RoleGranted"), [
        { role: promoterRole, account: p.promoter.account.address, sender: p.promoter.account.address },
      ]);
      expect(await p.factory.read.hasRole([promoterRole, p.promoter.account.address])).to.equal(true);
    });

    it("lets the event's promoter (only) grant and revoke scanners", async function () {
      const p = await loadFixture(platformFixture);
      await p.createEvent({ grantScanner: false });
      await p.createEvent({ grantScanner: false, promoter: p.promoter2 });
      const scanner1 = role("SCANNER", 1n);
      const receipt = await mined(
        p.factory.write.grantRole([scanner1, p.scanner.account.address], { account: p.promoter.account }),
      );
      expectSame(eventsOf(p.factory, receipt, "RoleGranted"), [
        { role: scanner1, account: p.scanner.account.address, sender: p.promoter.account.address },
      ]);
      await expectRevert(
        p.factory.write.grantRole([scanner1, p.stranger.account.address], { account: p.promoter2.account }),
        "AccessControlUnauthorizedAccount",
        [p.promoter2.account.address, role("PROMOTER", 1n)],
      );
      await expectRevert(
        p.factory.write.grantRole([scanner1, p.stranger.account.address], { account: p.stranger.account }),
        "AccessControlUnauthorizedAccount",
        [p.stranger.account.address, role("PROMOTER", 1n)],
      );
      await mined(p.factory.write.revokeRole([scanner1, p.scanner.account.address], { account: p.promoter.account }));
      expect(await p.factory.read.hasRole([scanner1, p.scanner.account.address])).to.equal(false);
    });

    it("numbers events 1, 2, … with a clone each", async function () {
      const p = await loadFixture(platformFixture);
      const a = await p.createEvent();
      const b = await p.createEvent({ promoter: p.promoter2, name: "Second" });
      expect([a.eventId, b.eventId]).to.deep.equal([1n, 2n]);
      expect(addr(a.ticket.address)).to.not.equal(addr(b.ticket.address));
      expect(await b.ticket.read.name()).to.equal("Second");
      expect(addr(await b.ticket.read.promoter())).to.equal(addr(p.promoter2.account.address));
      expect(await p.factory.read.eventCount()).to.equal(2n);
    });

    it("accepts the limits: royalty 10 %, resale cap 0 (none) or exactly face value, 256 tiers", async function () {
      const p = await loadFixture(platformFixture);
      const { ticket } = await p.createEvent({ royaltyBps: 1000, resaleCapBps: 0, grantScanner: false });
      expect(await ticket.read.royaltyBps()).to.equal(1000);
      expect(await ticket.read.resaleCapBps()).to.equal(0);
      const capped = await p.createEvent({ resaleCapBps: 10_000, grantScanner: false });
      expect(await capped.ticket.read.resaleCapBps()).to.equal(10_000);
      const many = await p.createEvent({
        tiers: Array.from({ length: 256 }, (_, i) => ({ price: BigInt(i), supply: 1 })),
        grantScanner: false,
      });
      expect(await many.ticket.read.tierCount()).to.equal(256n);
      expectSame(await many.ticket.read.tier([255n]), { price: 255n, supply: 1, sold: 0 });
    });
  });

  describe("when createEvent is given bad input", function () {
    it("rejects an account without PROMOTER_ROLE with AccessControlUnauthorizedAccount", async function () {
      const p = await loadFixture(platformFixture);
      await expectRevert(
        p.factory.write.createEvent([input(BigInt(await time.latest()))], { account: p.stranger.account }),
        "AccessControlUnauthorizedAccount",
        [p.stranger.account.address, p.PROMOTER_ROLE],
      );
    });

    it("rejects a start time that is not in the future with FactoryEventInPast", async function () {
      const p = await loadFixture(platformFixture);
      const now = BigInt(await time.latest());
      await time.setNextBlockTimestamp(now + 100n);
      await expectRevert(
        p.factory.write.createEvent([input(now, { startsAt: now + 100n })], { account: p.promoter.account }),
        "FactoryEventInPast",
        [now + 100n, now + 100n],
      );
    });

    it("rejects no tiers, too many tiers and an empty tier", async function () {
      const p = await loadFixture(platformFixture);
      const now = BigInt(await time.latest());
      const from = { account: p.promoter.account };
      await expectRevert(p.factory.write.createEvent([input(now, { tiers: [] })], from), "FactoryNoTiers");
      await expectRevert(
        p.factory.write.createEvent([input(now, { tiers: Array(257).fill({ price: 1n, supply: 1 }) })], from),
        "FactoryTooManyTiers",
        [257n, 256n],
      );
      await expectRevert(
        p.factory.write.createEvent(
          [input(now, { tiers: [{ price: 1n, supply: 5 }, { price: 2n, supply: 0 }] })],
          from,
        ),
        "FactoryEmptyTier",
        [1n],
      );
    });

    it("rejects a royalty above 10 % and a resale cap below face value", async function () {
      const p = await loadFixture(platformFixture);
      const now = BigInt(await time.latest());
      const from = { account: p.promoter.account };
      await expectRevert(
        p.factory.write.createEvent([input(now, { royaltyBps: 1001 })], from),
        "FactoryRoyaltyTooHigh",
        [1001, 1000],
      );
      await expectRevert(
        p.factory.write.createEvent([input(now, { resaleCapBps: 9999 })], from),
        "FactoryInvalidResaleCap",
        [9999],
      );
      await expectRevert(
        p.factory.write.createEvent([input(now, { resaleCapBps: 1 })], from),
        "FactoryInvalidResaleCap",
        [1],
      );
    });

    it("rejects creating events before the escrow is set with FactoryEscrowNotSet", async function () {
      const { factory, admin, minter, promoter, ticketImplementation } = await loadFixture(bareFactoryFixture);
      await mined(factory.write.initialize([admin.account.address, minter.account.address, ticketImplementation.address]));
      await mined(factory.write.grantRole([await factory.read.PROMOTER_ROLE(), promoter.account.address]));
      await expectRevert(
        factory.write.createEvent([input(BigInt(await time.latest()))], { account: promoter.account }),
        "FactoryEscrowNotSet",
      );
    });
  });

  describe("when looking events up", function () {
    it("rejects an unknown event id with FactoryUnknownEvent", async function () {
      const p = await loadFixture(eventFixture);
      await expectRevert(p.factory.read.eventContract([0n]), "FactoryUnknownEvent", [0n]);
      await expectRevert(p.factory.read.eventContract([2n]), "FactoryUnknownEvent", [2n]);
    });
  });

  describe("when setting the platform contracts", function () {
    it("lets the admin set escrow, marketplace and fractions and emits PlatformContractsSet", async function () {
      const p = await loadFixture(platformFixture);
      const [escrow, marketplace, fractions] = [p.fan1, p.fan2, p.fan3].map((w) => w.account.address);
      const receipt = await mined(
        p.factory.write.setPlatformContracts([escrow, marketplace, fractions], { account: p.admin.account }),
      );
      expectSame(eventsOf(p.factory, receipt, "PlatformContractsSet"), [{ escrow, marketplace, fractions }]);
      expect(addr(await p.factory.read.escrow())).to.equal(addr(escrow));
      expect(addr(await p.factory.read.marketplace())).to.equal(addr(marketplace));
      expect(addr(await p.factory.read.fractions())).to.equal(addr(fractions));
      // zero marketplace / fractions are allowed (not deployed yet)
      await mined(
        p.factory.write.setPlatformContracts([escrow, zeroAddress, zeroAddress], { account: p.admin.account }),
      );
      expect(await p.factory.read.marketplace()).to.equal(zeroAddress);
    });

    it("keeps the escrow cached by existing events", async function () {
      const p = await loadFixture(eventFixture);
      await p.setPlatformContracts({});
      await mined(
        p.factory.write.setPlatformContracts(
          [p.fan1.account.address, zeroAddress, zeroAddress],
          { account: p.admin.account },
        ),
      );
      expect(addr(await p.ticket.read.escrow())).to.equal(addr(p.escrow.address));
    });

    it("rejects a zero escrow with FactoryInvalidAddress and a non-admin with AccessControlUnauthorizedAccount", async function () {
      const p = await loadFixture(platformFixture);
      await expectRevert(
        p.factory.write.setPlatformContracts([zeroAddress, zeroAddress, zeroAddress], { account: p.admin.account }),
        "FactoryInvalidAddress",
        [zeroAddress],
      );
      await expectRevert(
        p.factory.write.setPlatformContracts([p.escrow.address, zeroAddress, zeroAddress], {
          account: p.promoter.account,
        }),
        "AccessControlUnauthorizedAccount",
        [p.promoter.account.address, p.DEFAULT_ADMIN_ROLE],
      );
    });
  });

  describe("when upgraded (UUPS)", function () {
    it("lets the admin upgrade and keeps every piece of state", async function () {
      const p = await loadFixture(eventFixture);
      const v2 = await hre.viem.deployContract("TicketFactoryV2", [p.forwarder.address]);
      const receipt = await mined(
        p.factory.write.upgradeToAndCall(
          [v2.address, encodeFunctionData({ abi: v2.abi, functionName: "initializeV2", args: ["v2"] })],
          { account: p.admin.account },
        ),
      );
      expectSame(eventsOf(p.factory, receipt, "Upgraded"), [{ implementation: v2.address }]);
      const upgraded = await hre.viem.getContractAt("TicketFactoryV2", p.factory.address);
      expect(await upgraded.read.version()).to.equal("v2");
      expect(await upgraded.read.eventCount()).to.equal(1n);
      expect(addr(await upgraded.read.eventContract([1n]))).to.equal(addr(p.ticket.address));
      expect(await upgraded.read.eventOf([p.ticket.address])).to.equal(1n);
      expect(addr(await upgraded.read.escrow())).to.equal(addr(p.escrow.address));
      expect(await upgraded.read.hasRole([p.DEFAULT_ADMIN_ROLE, p.admin.account.address])).to.equal(true);
      expect(await upgraded.read.hasRole([await upgraded.read.promoterRole([1n]), p.promoter.account.address])).to.equal(true);
      // the event keeps working against the upgraded factory
      await p.buy(p.ticket, 0n, 1n);
      await p.checkIn(p.ticket, [1n]);
    });

    it("rejects an upgrade by anyone but the admin with AccessControlUnauthorizedAccount", async function () {
      const p = await loadFixture(platformFixture);
      const v2 = await hre.viem.deployContract("TicketFactoryV2", [p.forwarder.address]);
      await expectRevert(
        p.factory.write.upgradeToAndCall([v2.address, "0x"], { account: p.stranger.account }),
        "AccessControlUnauthorizedAccount",
        [p.stranger.account.address, p.DEFAULT_ADMIN_ROLE],
      );
    });

    it("rejects upgrading the implementation directly (UUPSUnauthorizedCallContext) and reports its UUID", async function () {
      const p = await loadFixture(platformFixture);
      await expectRevert(
        p.factoryImplementation.write.upgradeToAndCall([p.factoryImplementation.address, "0x"], {
          account: p.admin.account,
        }),
        "UUPSUnauthorizedCallContext",
      );
      expect(await p.factoryImplementation.read.proxiableUUID()).to.equal(
        "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc",
      );
    });
  });

  describe("when the price of a tier is parsed", function () {
    it("stores face values in wei exactly", async function () {
      const p = await loadFixture(platformFixture);
      const { ticket } = await p.createEvent({ tiers: [{ price: parseEther("123.456789"), supply: 7 }] });
      expectSame(await ticket.read.tier([0n]), { price: parseEther("123.456789"), supply: 7, sold: 0 });
    });
  });
});
