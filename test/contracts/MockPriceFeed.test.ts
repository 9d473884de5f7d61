/// <reference path="../../artifacts/contracts/mocks/MockPriceFeed.sol/artifacts.d.ts" />
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { eventsOf, expectRevert, expectSame, mined } from "./fixtures";

/** POL / USD at $0.25 with Chainlink's 8 decimals. */
const QUARTER = 25_000_000n;

async function feedFixture() {
  const [owner, stranger] = await hre.viem.getWalletClients();
  const feed = await hre.viem.deployContract("MockPriceFeed", [owner.account.address, 8, "POL / USD", QUARTER]);
  return { feed, owner, stranger };
}

describe("MockPriceFeed", function () {
  it("answers like a Chainlink AggregatorV3 feed: decimals, description, version, round 1", async function () {
    const { feed } = await loadFixture(feedFixture);
    expect(await feed.read.decimals()).to.equal(8);
    expect(await feed.read.description()).to.equal("POL / USD");
    expect(await feed.read.version()).to.equal(4n);
    const [roundId, answer, startedAt, updatedAt, answeredInRound] = await feed.read.latestRoundData();
    expect(roundId).to.equal(1n);
    expect(answer).to.equal(QUARTER);
    expect(updatedAt).to.equal(BigInt(await time.latest()));
    expect(startedAt).to.equal(updatedAt);
    expect(answeredInRound).to.equal(1n);
  });

  it("publishes a new round when the owner sets an answer (AnswerUpdated), keeping older rounds", async function () {
    const { feed, owner } = await loadFixture(feedFixture);
    await time.increase(3600);
    const receipt = await mined(feed.write.setAnswer([30_000_000n], { account: owner.account }));
    const now = BigInt(await time.latest());
    expectSame(eventsOf(feed, receipt, "AnswerUpdated"), [{ current: 30_000_000n, roundId: 2n, updatedAt: now }]);
    const [roundId, answer, , updatedAt] = await feed.read.latestRoundData();
    expect([roundId, answer, updatedAt]).to.deep.equal([2n, 30_000_000n, now]);
    const [firstId, firstAnswer] = await feed.read.getRoundData([1n]);
    expect([firstId, firstAnswer]).to.deep.equal([1n, QUARTER]);
  });

  describe("when the caller is not the owner", function () {
    it("refuses setAnswer (OwnableUnauthorizedAccount)", async function () {
      const { feed, stranger } = await loadFixture(feedFixture);
      await expectRevert(feed.write.setAnswer([1n], { account: stranger.account }), "OwnableUnauthorizedAccount", [
        stranger.account.address,
      ]);
      expect((await feed.read.latestRoundData())[1]).to.equal(QUARTER);
    });
  });

  describe("when the answer or round is invalid", function () {
    it("refuses a zero or negative answer (PriceFeedInvalidAnswer)", async function () {
      const { feed, owner } = await loadFixture(feedFixture);
      await expectRevert(feed.write.setAnswer([0n], { account: owner.account }), "PriceFeedInvalidAnswer", [0n]);
      await expectRevert(feed.write.setAnswer([-5n], { account: owner.account }), "PriceFeedInvalidAnswer", [-5n]);
    });

    it("refuses a round that was never published (PriceFeedUnknownRound)", async function () {
      const { feed } = await loadFixture(feedFixture);
      await expectRevert(feed.read.getRoundData([7n]), "PriceFeedUnknownRound", [7n]);
    });

    it("refuses to deploy with a non-positive first answer", async function () {
      const [owner] = await hre.viem.getWalletClients();
      await expectRevert(
        hre.viem.deployContract("MockPriceFeed", [owner.account.address, 8, "X / USD", 0n]),
        "PriceFeedInvalidAnswer",
        [0n],
        (await hre.artifacts.readArtifact("MockPriceFeed")).abi,
      );
    });
  });
});
