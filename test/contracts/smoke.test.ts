import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, toHex } from "viem";
import { eventFixture } from "./platform";
import { expectSame, mined } from "./fixtures";

describe("smoke", function () {
  it("buys, mints, transfers, checks in, cancels, refunds", async function () {
    const p = await loadFixture(eventFixture);
    const { ticket, escrow, fan1, fan2, fan3, buy, mintBatch, checkIn } = p;
    await buy(ticket, 1n, 3n, fan1);
    await mintBatch(ticket, 1n, [fan2.account.address, fan2.account.address, fan3.account.address], [keccak256(toHex("a")), keccak256(toHex("b")), keccak256(toHex("c"))]);
    expect(await ticket.read.totalMinted()).to.equal(6n);
    expect((await ticket.read.ownerOf([5n])).toLowerCase()).to.equal(fan2.account.address);
    expect((await ticket.read.ownerOf([6n])).toLowerCase()).to.equal(fan3.account.address);
    const d = await ticket.read.ticketData([2n]);
    console.log(d);
    await mined(ticket.write.transferFrom([fan1.account.address, fan2.account.address, 2n], { account: fan1.account }));
    expect((await ticket.read.ownerOf([2n])).toLowerCase()).to.equal(fan2.account.address);
    await checkIn(ticket, [1n, 5n]);
    expect(await ticket.read.isCheckedIn([1n])).to.equal(true);
    expect(await escrow.read.totalOwed(["0x0000000000000000000000000000000000000000"])).to.equal(3n * 250000000000000000n);
    await mined(ticket.write.cancelEvent({ account: p.promoter.account }));
    await mined(escrow.write.claimRefund([ticket.address, 2n], { account: fan2.account }));
    expectSame(await escrow.read.totalOwed(["0x0000000000000000000000000000000000000000"]), 2n * 250000000000000000n);
  });
});
