import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseUnits, parseSignature, zeroAddress } from "viem";
import { PERMIT_TYPES, eventsOf, expectRevert, expectSame, mined } from "./fixtures";
import { addr, platformFixture } from "./platform";

describe("TestUSDC", function () {
  it("is a 6-decimals ERC-20 named Test USD Coin (tUSDC) owned by the admin", async function () {
    const { usdc, admin } = await loadFixture(platformFixture);
    expect(await usdc.read.name()).to.equal("Test USD Coin");
    expect(await usdc.read.symbol()).to.equal("tUSDC");
    expect(await usdc.read.decimals()).to.equal(6);
    expect(await usdc.read.totalSupply()).to.equal(0n);
    expect(addr(await usdc.read.owner())).to.equal(addr(admin.account.address));
  });

  it("lets the admin mint (Transfer from zero) and nobody else (OwnableUnauthorizedAccount)", async function () {
    const { usdc, admin, fan1 } = await loadFixture(platformFixture);
    const amount = parseUnits("100", 6);
    const receipt = await mined(usdc.write.mint([fan1.account.address, amount], { account: admin.account }));
    expectSame(eventsOf(usdc, receipt, "Transfer"), [{ from: zeroAddress, to: fan1.account.address, value: amount }]);
    expect(await usdc.read.balanceOf([fan1.account.address])).to.equal(amount);
    await expectRevert(usdc.write.mint([fan1.account.address, 1n], { account: fan1.account }), "OwnableUnauthorizedAccount", [
      fan1.account.address,
    ]);
  });

  it("accepts EIP-2612 permits", async function () {
    const { usdc, fan1, fan2, publicClient } = await loadFixture(platformFixture);
    const deadline = BigInt(await time.latest()) + 3600n;
    const value = parseUnits("5", 6);
    const signature = await fan1.signTypedData({
      account: fan1.account,
      domain: { name: "Test USD Coin", version: "1", chainId: await publicClient.getChainId(), verifyingContract: usdc.address },
      types: PERMIT_TYPES,
      primaryType: "Permit",
      message: { owner: fan1.account.address, spender: fan2.account.address, value, nonce: 0n, deadline },
    });
    const { v, r, s } = parseSignature(signature);
    await mined(
      usdc.write.permit([fan1.account.address, fan2.account.address, value, deadline, Number(v), r, s], {
        account: fan2.account,
      }),
    );
    expect(await usdc.read.allowance([fan1.account.address, fan2.account.address])).to.equal(value);
    expect(await usdc.read.nonces([fan1.account.address])).to.equal(1n);
  });
});
