import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { getAddress, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { eventsOf, expectRevert, expectSame, factoryFixture, mined, ONE_DAY } from "./fixtures";

const TIERS = [
  { price: parseEther("0.05"), supply: 500 },
  { price: parseEther("0.2"), supply: 40 },
  { price: 0n, supply: 10 },
];

describe("TicketFactory", function () {
  describe("when deployed", function () {
    it("gives the admin DEFAULT_ADMIN_ROLE, the minter MINTER_ROLE and no one else a platform role", async function () {
      const { factory, admin, minter, promoter, stranger, DEFAULT_ADMIN_ROLE, PROMOTER_ROLE, MINTER_ROLE } =
        await loadFixture(factoryFixture);
      expect(await factory.read.hasRole([DEFAULT_ADMIN_ROLE, admin.account.address])).to.equal(true);
      expect(await factory.read.hasRole([MINTER_ROLE, minter.account.address])).to.equal(true);
      expect(await factory.read.hasRole([MINTER_ROLE, admin.account.address])).to.equal(false);
      expect(await factory.read.hasRole([DEFAULT_ADMIN_ROLE, minter.account.address])).to.equal(false);
      expect(await factory.read.hasRole([DEFAULT_ADMIN_ROLE, promoter.account.address])).to.equal(false);
      expect(await factory.read.hasRole([PROMOTER_ROLE, stranger.account.address])).to.equal(false);
      expect(await factory.read.hasRole([MINTER_ROLE, stranger.account.address])).to.equal(false);
    });

    it("exposes the implementation and starts with no events", async function () {
      const { factory, implementation } = await loadFixture(factoryFixture);
      expect(getAddress(await factory.read.implementation())).to.equal(getAddress(implementation.address));
      expect(await factory.read.eventCount()).to.equal(0n);
    });

    it("uses the role ids the ticket contracts check", async function () {
      const { factory, implementation } = await loadFixture(factoryFixture);
      expect(await factory.read.PROMOTER_ROLE()).to.equal(keccak256(toHex("PROMOTER_ROLE")));
      expect(await factory.read.MINTER_ROLE()).to.equal(keccak256(toHex("MINTER_ROLE")));
      // ConcertTicket asks the factory about its own MINTER_ROLE constant: they must be the same id.
      expect(await implementation.read.MINTER_ROLE()).to.equal(await factory.read.MINTER_ROLE());
    });
  });

  describe("when a promoter creates an event", function () {
    async function createdEvent() {
      const fx = await loadFixture(factoryFixture);
      const { factory, promoter, startsAt } = fx;
      const args = ["Summer Stadium Tour", startsAt, "ipfs://bafy-summer/", TIERS] as const;
      const { result } = await factory.simulate.createEvent(args, { account: promoter.account.address });
      const receipt = await mined(factory.write.createEvent(args, { account: promoter.account }));
      const ticket = await hre.viem.getContractAt("ConcertTicket", await factory.read.eventContract([1n]));
      return { ...fx, result, receipt, ticket };
    }

    it("returns the new id and clone address and registers them", async function () {
      const { factory, result, ticket, implementation } = await createdEvent();
      const [eventId, ticketAddress] = result;
      expect(eventId).to.equal(1n);
      expect(getAddress(ticketAddress)).to.equal(getAddress(ticket.address));
      expect(getAddress(ticket.address)).to.not.equal(getAddress(implementation.address));
      expect(await factory.read.eventCount()).to.equal(1n);
    });

    it("emits EventCreated with id, clone, promoter, name and start time", async function () {
      const { factory, receipt, ticket, promoter, startsAt } = await createdEvent();
      const events = eventsOf(factory, receipt, "EventCreated");
      expectSame(events, [
        {
          eventId: 1n,
          ticket: ticket.address,
          promoter: promoter.account.address,
          name: "Summer Stadium Tour",
          startsAt,
        },
      ]);
    });

    it("deploys an EIP-1167 minimal proxy of the implementation", async function () {
      const { publicClient, ticket, implementation } = await createdEvent();
      const code = await publicClient.getCode({ address: ticket.address });
      const expected =
        "0x363d3d373d3d3d363d73" + implementation.address.slice(2).toLowerCase() + "5af43d82803e903d91602b57fd5bf3";
      expect(code?.toLowerCase()).to.equal(expected);
    });

    it("initialises the clone with the event's facts and tiers", async function () {
      const { ticket, receipt, promoter, startsAt } = await createdEvent();
      expect(await ticket.read.name()).to.equal("Summer Stadium Tour");
      expect(await ticket.read.symbol()).to.equal("TICKET");
      expectSame(await ticket.read.eventInfo(), [1n, promoter.account.address, startsAt, 0n]);
      expect(await ticket.read.tierCount()).to.equal(3n);
      for (let i = 0; i < TIERS.length; i++) {
        expectSame(await ticket.read.tier([BigInt(i)]), { ...TIERS[i], sold: 0 }, `tier ${i}`);
      }
      expect(await ticket.read.totalMinted()).to.equal(0n);
      expectSame(eventsOf(ticket, receipt, "Initialized"), [{ version: 1n }]);
    });

    it("gives each event its own id and contract", async function () {
      const { factory, promoter, startsAt, ticket } = await createdEvent();
      const receipt = await mined(
        factory.write.createEvent(["Second Show", startsAt + ONE_DAY, "ipfs://second/", [TIERS[0]]], {
          account: promoter.account,
        }),
      );
      const second = await factory.read.eventContract([2n]);
      expect(getAddress(second)).to.not.equal(getAddress(ticket.address));
      expect(getAddress(await factory.read.eventContract([1n]))).to.equal(getAddress(ticket.address));
      expect(await factory.read.eventCount()).to.equal(2n);
      expectSame(eventsOf(factory, receipt, "EventCreated"), [
        { eventId: 2n, ticket: second, promoter: promoter.account.address, name: "Second Show", startsAt: startsAt + ONE_DAY },
      ]);
      const secondTicket = await hre.viem.getContractAt("ConcertTicket", second);
      expectSame((await secondTicket.read.eventInfo())[0], 2n);
    });

    it("does not let anyone initialise the clone a second time", async function () {
      const { ticket, promoter, stranger, startsAt } = await createdEvent();
      for (const caller of [promoter, stranger]) {
        await expectRevert(
          ticket.write.initialize([99n, "Hijacked", caller.account.address, startsAt, "ipfs://evil/", [TIERS[0]]], {
            account: caller.account,
          }),
          "InvalidInitialization",
          [],
        );
      }
      expectSame(await ticket.read.eventInfo(), [1n, promoter.account.address, startsAt, 0n]);
    });
  });

  describe("when the implementation is called directly", function () {
    it("cannot be initialised (initializers are disabled)", async function () {
      const { implementation, stranger, startsAt } = await loadFixture(factoryFixture);
      await expectRevert(
        implementation.write.initialize([1n, "Direct", stranger.account.address, startsAt, "ipfs://x/", [TIERS[0]]], {
          account: stranger.account,
        }),
        "InvalidInitialization",
        [],
      );
      expect(await implementation.read.tierCount()).to.equal(0n);
    });
  });

  describe("when the caller lacks PROMOTER_ROLE", function () {
    it("rejects a stranger with AccessControlUnauthorizedAccount", async function () {
      const { factory, stranger, startsAt, PROMOTER_ROLE } = await loadFixture(factoryFixture);
      await expectRevert(
        factory.write.createEvent(["Nope", startsAt, "ipfs://nope/", TIERS], { account: stranger.account }),
        "AccessControlUnauthorizedAccount",
        [stranger.account.address, PROMOTER_ROLE],
      );
      expect(await factory.read.eventCount()).to.equal(0n);
    });

    it("rejects the admin and the minter, whose roles are not PROMOTER_ROLE", async function () {
      const { factory, admin, minter, startsAt, PROMOTER_ROLE } = await loadFixture(factoryFixture);
      for (const caller of [admin, minter]) {
        await expectRevert(
          factory.write.createEvent(["Nope", startsAt, "ipfs://nope/", TIERS], { account: caller.account }),
          "AccessControlUnauthorizedAccount",
          [caller.account.address, PROMOTER_ROLE],
        );
      }
    });

    it("rejects a promoter whose role was revoked", async function () {
      const { factory, admin, promoter, startsAt, PROMOTER_ROLE } = await loadFixture(factoryFixture);
      await mined(factory.write.revokeRole([PROMOTER_ROLE, promoter.account.address], { account: admin.account }));
      await expectRevert(
        factory.write.createEvent(["Nope", startsAt, "ipfs://nope/", TIERS], { account: promoter.account }),
        "AccessControlUnauthorizedAccount",
        [promoter.account.address, PROMOTER_ROLE],
      );
    });

    it("lets only the admin grant PROMOTER_ROLE", async function () {
      const { factory, promoter, stranger, PROMOTER_ROLE, DEFAULT_ADMIN_ROLE } = await loadFixture(factoryFixture);
      await expectRevert(
        factory.write.grantRole([PROMOTER_ROLE, stranger.account.address], { account: promoter.account }),
        "AccessControlUnauthorizedAccount",
        [promoter.account.address, DEFAULT_ADMIN_ROLE],
      );
    });
  });

  describe("when the start time is not in the future", function () {
    it("rejects a start time equal to the block time", async function () {
      const { factory, promoter } = await loadFixture(factoryFixture);
      const next = BigInt(await time.latest()) + 100n;
      await time.setNextBlockTimestamp(next);
      await expectRevert(
        factory.write.createEvent(["Now", next, "ipfs://now/", TIERS], { account: promoter.account }),
        "FactoryEventInPast",
        [next, next],
      );
    });

    it("rejects a start time in the past", async function () {
      const { factory, promoter } = await loadFixture(factoryFixture);
      const next = BigInt(await time.latest()) + 100n;
      const past = next - ONE_DAY;
      await time.setNextBlockTimestamp(next);
      await expectRevert(
        factory.write.createEvent(["Yesterday", past, "ipfs://past/", TIERS], { account: promoter.account }),
        "FactoryEventInPast",
        [past, next],
      );
    });

    it("accepts a start time one second after the block time", async function () {
      const { factory, promoter } = await loadFixture(factoryFixture);
      const next = BigInt(await time.latest()) + 100n;
      await time.setNextBlockTimestamp(next);
      await mined(factory.write.createEvent(["Soon", next + 1n, "ipfs://soon/", TIERS], { account: promoter.account }));
      expect(await factory.read.eventCount()).to.equal(1n);
    });
  });

  describe("when no tiers are given", function () {
    it("reverts with FactoryNoTiers", async function () {
      const { factory, promoter, startsAt } = await loadFixture(factoryFixture);
      await expectRevert(
        factory.write.createEvent(["Empty", startsAt, "ipfs://empty/", []], { account: promoter.account }),
        "FactoryNoTiers",
        [],
      );
      expect(await factory.read.eventCount()).to.equal(0n);
    });
  });

  describe("when looking up an event that does not exist", function () {
    it("reverts with FactoryUnknownEvent for id 0 and ids past the count", async function () {
      const { factory, promoter, startsAt } = await loadFixture(factoryFixture);
      await expectRevert(factory.read.eventContract([0n]), "FactoryUnknownEvent", [0n]);
      await expectRevert(factory.read.eventContract([1n]), "FactoryUnknownEvent", [1n]);
      await mined(factory.write.createEvent(["One", startsAt, "ipfs://one/", TIERS], { account: promoter.account }));
      expect(getAddress(await factory.read.eventContract([1n]))).to.not.equal(zeroAddress);
      await expectRevert(factory.read.eventContract([2n]), "FactoryUnknownEvent", [2n]);
    });
  });
});
