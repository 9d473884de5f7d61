import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { concatHex, decodeFunctionResult, encodeFunctionData, keccak256, parseEther, toHex, zeroAddress, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { FORWARD_REQUEST_TYPES, TIERS, eventsOf, expectRevert, expectSame, mined } from "./fixtures";
import { eventFixture, type Platform, type WalletClient } from "./platform";

const [, BIG] = TIERS;


type Signer = PrivateKeyAccount | WalletClient;

/** Builds and signs an ERC-2771 forward request from `signer` (a local key or a node account). */
async function signRequest(
  p: Platform,
  signer: Signer,
  to: Address,
  data: Hex,
  options: { deadline?: bigint; value?: bigint; from?: Address } = {},
) {
  const from = "address" in signer ? signer.address : signer.account.address;
  const message = {
    from: options.from ?? from,
    to,
    value: options.value ?? 0n,
    gas: 1_000_000n,
    nonce: await p.forwarder.read.nonces([options.from ?? from]),
    deadline: Number(options.deadline ?? BigInt(await time.latest()) + 3_600n),
    data,
  };
  const typedData = {
    domain: { name: "TicketChainForwarder", version: "1", chainId: 31337, verifyingContract: p.forwarder.address },
    types: FORWARD_REQUEST_TYPES,
    primaryType: "ForwardRequest" as const,
    message,
  };
  const signature =
    "address" in signer
      ? await signer.signTypedData(typedData)
      : await signer.signTypedData({ ...typedData, account: signer.account });
  return { ...message, signature };
}

/** {eventFixture} + two gasless accounts (local keys with zero ETH): a fan and a door scanner. */
async function gaslessFixture() {
  const p = await eventFixture();
  const fan = privateKeyToAccount(keccak256(toHex("gasless fan")));
  const door = privateKeyToAccount(keccak256(toHex("gasless scanner")));
  await mined(p.ticket.write.mintOrder([1n, fan.address, 2n, keccak256(toHex("card-1"))], { account: p.minter.account }));
  await mined(
    p.factory.write.grantRole([await p.factory.read.scannerRole([p.eventId]), door.address], { account: p.promoter.account }),
  );
  return { ...p, fan, door };
}

describe("ERC-2771 forwarder (gasless wallets)", function () {
  it("relays a fan's signed transferFrom: the fan is the sender and pays nothing", async function () {
    const p = await loadFixture(gaslessFixture);
    expect(await p.balance(p.fan.address)).to.equal(0n);
    const data = encodeFunctionData({
      abi: p.ticket.abi,
      functionName: "transferFrom",
      args: [p.fan.address, p.fan2.account.address, 1n],
    });
    const request = await signRequest(p, p.fan, p.ticket.address, data);
    const receipt = await mined(p.forwarder.write.execute([request], { account: p.relayer.account }));
    expectSame(eventsOf(p.ticket, receipt, "Transfer"), [{ from: p.fan.address, to: p.fan2.account.address, tokenId: 1n }]);
    expectSame(eventsOf(p.forwarder, receipt, "ExecutedForwardRequest"), [{ signer: p.fan.address, nonce: 0n, success: true }]);
    expect(await p.balance(p.fan.address)).to.equal(0n);
    expect(await p.forwarder.read.nonces([p.fan.address])).to.equal(1n);
  });

  it("relays a scanner's signed checkIn: the scanner (not the relayer) is checked for the role", async function () {
    const p = await loadFixture(gaslessFixture);
    const data = encodeFunctionData({ abi: p.ticket.abi, functionName: "checkIn", args: [[2n]] });
    const receipt = await mined(
      p.forwarder.write.execute([await signRequest(p, p.door, p.ticket.address, data)], { account: p.relayer.account }),
    );
    expectSame(eventsOf(p.ticket, receipt, "TicketCheckedIn"), [{ tokenId: 2n, scanner: p.door.address }]);
    expect(await p.ticket.read.isCheckedIn([2n])).to.equal(true);
    // a fan's signature does not carry the scanner role (the forwarder reports the failed call; in a batch
    // with a refund receiver it records success = false instead)
    const fanCheckIn = async () =>
      signRequest(p, p.fan, p.ticket.address, encodeFunctionData({ abi: p.ticket.abi, functionName: "checkIn", args: [[1n]] }));
    await expectRevert(p.forwarder.write.execute([await fanCheckIn()], { account: p.relayer.account }), "FailedCall");
    const batch = await mined(
      p.forwarder.write.executeBatch([[await fanCheckIn()], p.relayer.account.address], { account: p.relayer.account }),
    );
    expectSame(eventsOf(p.forwarder, batch, "ExecutedForwardRequest"), [{ signer: p.fan.address, nonce: 0n, success: false }]);
    expect(await p.ticket.read.isCheckedIn([1n])).to.equal(false);
  });

  it("relays a signed escrow withdraw: the credit goes to the signer", async function () {
    const p = await loadFixture(gaslessFixture);
    await mined(
      p.escrow.write.credit([zeroAddress, [p.fan.address], [parseEther("0.3")]], {
        value: parseEther("0.3"),
        account: p.marketplaceAccount.account,
      }),
    );
    const data = encodeFunctionData({ abi: p.escrow.abi, functionName: "withdraw", args: [zeroAddress] });
    const receipt = await mined(
      p.forwarder.write.execute([await signRequest(p, p.fan, p.escrow.address, data)], { account: p.relayer.account }),
    );
    expectSame(eventsOf(p.escrow, receipt, "Withdrawn"), [{ payee: p.fan.address, currency: zeroAddress, amount: parseEther("0.3") }]);
    expect(await p.balance(p.fan.address)).to.equal(parseEther("0.3"));
  });

  it("relays a signed claimRefund of a cancelled event: the refund goes to the signer", async function () {
    const p = await loadFixture(gaslessFixture);
    await p.buy(p.ticket, 1n, 1n, p.fan1); // token 3
    await mined(p.ticket.write.transferFrom([p.fan1.account.address, p.fan.address, 3n], { account: p.fan1.account }));
    // the promoter cancels through the relayer too
    const cancel = encodeFunctionData({ abi: p.ticket.abi, functionName: "cancelEvent" });
    const r1 = await mined(
      p.forwarder.write.execute([await signRequest(p, p.promoter, p.ticket.address, cancel)], { account: p.relayer.account }),
    );
    expectSame(eventsOf(p.ticket, r1, "EventCancelled"), [{ by: p.promoter.account.address }]);
    const claim = encodeFunctionData({ abi: p.escrow.abi, functionName: "claimRefund", args: [p.ticket.address, 3n] });
    const receipt = await mined(
      p.forwarder.write.execute([await signRequest(p, p.fan, p.escrow.address, claim)], { account: p.relayer.account }),
    );
    expectSame(eventsOf(p.escrow, receipt, "RefundClaimed"), [
      { ticket: p.ticket.address, tokenId: 3n, holder: p.fan.address, amount: BIG.price },
    ]);
    expect(await p.balance(p.fan.address)).to.equal(BIG.price);
  });

  it("relays a promoter's signed createEvent on the factory", async function () {
    const p = await loadFixture(gaslessFixture);
    const input = {
      name: "Relayed",
      startsAt: BigInt(await time.latest()) + 86_400n,
      baseURI: "",
      royaltyBps: 0,
      resaleCapBps: 0,
      tiers: [{ price: 1n, supply: 1 }],
    };
    const data = encodeFunctionData({ abi: p.factory.abi, functionName: "createEvent", args: [input] });
    const receipt = await mined(
      p.forwarder.write.execute([await signRequest(p, p.promoter2, p.factory.address, data)], { account: p.relayer.account }),
    );
    const [created] = eventsOf(p.factory, receipt, "EventCreated");
    expectSame(created.promoter, p.promoter2.account.address);
    expect(await p.factory.read.hasRole([await p.factory.read.promoterRole([2n]), p.promoter2.account.address])).to.equal(true);
  });

  it("refuses forged, replayed, expired and untrusted-target requests", async function () {
    const p = await loadFixture(gaslessFixture);
    const data = encodeFunctionData({
      abi: p.ticket.abi,
      functionName: "transferFrom",
      args: [p.fan.address, p.stranger.account.address, 1n],
    });
    // signed by the stranger but claiming to be from the fan
    const forged = await signRequest(p, p.stranger, p.ticket.address, data, { from: p.fan.address });
    await expectRevert(
      p.forwarder.write.execute([forged], { account: p.relayer.account }),
      "ERC2771ForwarderInvalidSigner",
      [p.stranger.account.address, p.fan.address],
    );
    // replay: the nonce moved on, so the recovered signer no longer matches
    const request = await signRequest(p, p.fan, p.ticket.address, encodeFunctionData({
      abi: p.ticket.abi,
      functionName: "approve",
      args: [p.fan2.account.address, 1n],
    }));
    await mined(p.forwarder.write.execute([request], { account: p.relayer.account }));
    const replay = p.forwarder.write.execute([request], { account: p.relayer.account });
    const error = await replay.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.contain("ERC2771ForwarderInvalidSigner");
    // expired
    const now = BigInt(await time.latest());
    const expired = await signRequest(p, p.fan, p.ticket.address, data, { deadline: now });
    await expectRevert(p.forwarder.write.execute([expired], { account: p.relayer.account }), "ERC2771ForwarderExpiredRequest", [
      Number(now),
    ]);
    // a contract that does not trust the forwarder
    const usdcData = encodeFunctionData({ abi: p.usdc.abi, functionName: "transfer", args: [p.stranger.account.address, 1n] });
    const untrusted = await signRequest(p, p.fan, p.usdc.address, usdcData);
    await expectRevert(p.forwarder.write.execute([untrusted], { account: p.relayer.account }), "ERC2771UntrustfulTarget", [
      p.usdc.address,
      p.forwarder.address,
    ]);
  });

  it("strips the signer suffix from msg.data for the factory (upgraded to a V2 that echoes it)", async function () {
    const p = await loadFixture(gaslessFixture);
    const v2 = await hre.viem.deployContract("TicketFactoryV2", [p.forwarder.address]);
    await mined(p.factory.write.upgradeToAndCall([v2.address, "0x"], { account: p.admin.account }));
    const factory = await hre.viem.getContractAt("TicketFactoryV2", p.factory.address);
    const data = encodeFunctionData({ abi: factory.abi, functionName: "echoData", args: ["0xc0ffee"] });
    // direct call: msg.data as sent
    expect(await factory.read.echoData(["0xc0ffee"])).to.equal(data);
    // from the forwarder (eth_call as the forwarder, with the signer appended): the suffix is gone
    const { data: echoed } = await p.publicClient.call({
      account: p.forwarder.address,
      to: factory.address,
      data: concatHex([data, p.fan.address]),
    });
    expect(decodeFunctionResult({ abi: factory.abi, functionName: "echoData", data: echoed! })).to.equal(data);
  });

  it("ignores an address appended by anyone but the forwarder", async function () {
    const p = await loadFixture(gaslessFixture);
    const data = encodeFunctionData({
      abi: p.ticket.abi,
      functionName: "transferFrom",
      args: [p.fan.address, p.stranger.account.address, 1n],
    });
    await expectRevert(
      p.stranger.sendTransaction({ to: p.ticket.address, data: concatHex([data, p.fan.address]) }),
      "ERC721InsufficientApproval",
      [p.stranger.account.address, 1n],
      p.ticket.abi,
    );
  });
});
