import { expect } from "chai";
import hre from "hardhat";
import {
  assertUpgradeSafe,
  getContractVersion,
  getStorageLayout,
  solcInputOutputDecoder,
  validate,
} from "@openzeppelin/upgrades-core";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  encodeFunctionData,
  getAddress,
  parseEther,
  parseSignature,
  zeroAddress,
  type Address,
} from "viem";
import { FORWARD_REQUEST_TYPES, PERMIT_TYPES, eventsOf, expectRevert, expectSame, mined } from "./fixtures";
import {
  BPS,
  CAP,
  FACE,
  FEE_BPS,
  SHARES,
  USDC,
  fractionsMarketFixture,
  marketFixture,
  orders,
  type MarketPlatform,
  type Order,
} from "./market-fixture";
import { ROYALTY_BPS, type WalletClient } from "./platform";

const { MARKETPLACE_DOMAIN_NAME, MARKETPLACE_DOMAIN_VERSION, ORDER_TYPEHASH, ORDER_TYPES, orderTypedData } = orders;
const ROYALTY = BigInt(ROYALTY_BPS);
const FEE = BigInt(FEE_BPS);

/** Escrow credits the fill of `total` must produce: seller, royalty (promoter), platform fee. */
function split(total: bigint, feeBps = FEE, royaltyBps = ROYALTY) {
  const royalty = (total * royaltyBps) / BPS;
  const fee = (total * feeBps) / BPS;
  return { royalty, fee, seller: total - royalty - fee };
}

/** EIP-2612 permit of `owner` for the marketplace, signed with viem. */
async function signPermit(m: MarketPlatform, owner: WalletClient, value: bigint, deadline: bigint) {
  const nonce = await m.usdc.read.nonces([owner.account.address]);
  const signature = await owner.signTypedData({
    account: owner.account,
    domain: { name: "Test USD Coin", version: "1", chainId: m.chainId, verifyingContract: m.usdc.address },
    types: PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner: owner.account.address, spender: m.market.address, value, nonce, deadline },
  });
  const { v, r, s } = parseSignature(signature);
  return { v: Number(v), r, s };
}

describe("Marketplace", function () {
  describe("when deployed behind a proxy", function () {
    it("is initialised with the factory, fee and allowed ERC-20, and emits the settings", async function () {
      const m = await loadFixture(marketFixture);
      const { market, factory, treasury, usdc, deployReceipt } = m;
      expectSame(await market.read.factory(), factory.address);
      expectSame(await market.read.platformFee(), [FEE_BPS, treasury.account.address]);
      expect(await market.read.isCurrencyAllowed([usdc.address])).to.equal(true);
      expect(await market.read.isCurrencyAllowed([zeroAddress])).to.equal(false);
      expect(await market.read.MAX_FEE_BPS()).to.equal(1000);
      expect(await market.read.ORDER_TYPEHASH()).to.equal(ORDER_TYPEHASH);
      expect(await market.read.nonces([m.seller.account.address])).to.equal(0n);
      expect(await market.read.trustedForwarder()).to.equal(getAddress(m.forwarder.address));
      expectSame(eventsOf(market, deployReceipt, "PlatformFeeSet"), [
        { feeBps: FEE_BPS, recipient: treasury.account.address },
      ]);
      expectSame(eventsOf(market, deployReceipt, "CurrencyAllowed"), [{ currency: usdc.address, allowed: true }]);
    });

    it("uses the app's EIP-712 domain: orderHash equals hashOrder", async function () {
      const m = await loadFixture(marketFixture);
      const [, name, version, chainId, verifyingContract] = await m.market.read.eip712Domain();
      expect([name, version, chainId]).to.deep.equal([MARKETPLACE_DOMAIN_NAME, MARKETPLACE_DOMAIN_VERSION, 31337n]);
      expectSame(verifyingContract, m.market.address);
      const o = m.order({ salt: 99n, price: 7n });
      expect(await m.market.read.orderHash([o])).to.equal(m.hashOf(o));
    });

    it("cannot be initialised twice, nor through the implementation", async function () {
      const m = await loadFixture(marketFixture);
      const args = [m.factory.address, 0, m.treasury.account.address, zeroAddress] as const;
      await expectRevert(m.market.write.initialize([...args], { account: m.admin.account }), "InvalidInitialization");
      await expectRevert(
        m.marketImplementation.write.initialize([...args], { account: m.admin.account }),
        "InvalidInitialization",
      );
    });

    it("refuses a zero factory, a fee above the cap and a zero fee recipient at initialisation", async function () {
      const m = await loadFixture(marketFixture);
      const impl = m.marketImplementation;
      const deploy = (args: readonly [Address, number, Address, Address]) =>
        hre.viem.deployContract("ERC1967Proxy", [
          impl.address,
          encodeFunctionData({ abi: impl.abi, functionName: "initialize", args }),
        ]);
      const t = m.treasury.account.address;
      await expectRevert(deploy([zeroAddress, 0, t, zeroAddress]), "MarketplaceInvalidFactory", [zeroAddress], impl.abi);
      await expectRevert(deploy([m.factory.address, 1001, t, zeroAddress]), "MarketplaceFeeTooHigh", [1001, 1000], impl.abi);
      await expectRevert(
        deploy([m.factory.address, 0, zeroAddress, zeroAddress]),
        "MarketplaceInvalidFeeRecipient",
        [zeroAddress],
        impl.abi,
      );
    });

    it("allows no ERC-20 when initialised without one", async function () {
      const m = await loadFixture(marketFixture);
      const impl = m.marketImplementation;
      const { contract, deploymentTransaction } = await hre.viem.sendDeploymentTransaction("ERC1967Proxy", [
        impl.address,
        encodeFunctionData({
          abi: impl.abi,
          functionName: "initialize",
          args: [m.factory.address, 0, m.treasury.account.address, zeroAddress],
        }),
      ]);
      const receipt = await m.publicClient.waitForTransactionReceipt({ hash: deploymentTransaction.hash });
      const other = await hre.viem.getContractAt("Marketplace", contract.address);
      expect(await other.read.isCurrencyAllowed([m.usdc.address])).to.equal(false);
      expect(eventsOf(other, receipt, "CurrencyAllowed")).to.have.length(0);
    });
  });

  describe("admin functions", function () {
    it("setPlatformFee: the admin sets fee and recipient; up to MAX_FEE_BPS", async function () {
      const m = await loadFixture(marketFixture);
      const receipt = await mined(m.market.write.setPlatformFee([1000, m.stranger.account.address], { account: m.admin.account }));
      expectSame(eventsOf(m.market, receipt, "PlatformFeeSet"), [{ feeBps: 1000, recipient: m.stranger.account.address }]);
      expectSame(await m.market.read.platformFee(), [1000, m.stranger.account.address]);
      await mined(m.market.write.setPlatformFee([0, m.stranger.account.address], { account: m.admin.account }));
      expectSame(await m.market.read.platformFee(), [0, m.stranger.account.address]);
    });

    it("setPlatformFee: refuses a fee above 10 %, a zero recipient and a non-admin", async function () {
      const m = await loadFixture(marketFixture);
      const { market, admin, stranger, promoter } = m;
      await expectRevert(
        market.write.setPlatformFee([1001, stranger.account.address], { account: admin.account }),
        "MarketplaceFeeTooHigh",
        [1001, 1000],
      );
      await expectRevert(
        market.write.setPlatformFee([100, zeroAddress], { account: admin.account }),
        "MarketplaceInvalidFeeRecipient",
        [zeroAddress],
      );
      for (const w of [stranger, promoter]) {
        await expectRevert(
          market.write.setPlatformFee([0, w.account.address], { account: w.account }),
          "MarketplaceUnauthorized",
          [w.account.address],
        );
      }
    });

    it("setAllowedCurrency: the admin allows and refuses an ERC-20; never the native coin; not a non-admin", async function () {
      const m = await loadFixture(marketFixture);
      const { market, admin, stranger, usdc } = m;
      const receipt = await mined(market.write.setAllowedCurrency([usdc.address, false], { account: admin.account }));
      expectSame(eventsOf(market, receipt, "CurrencyAllowed"), [{ currency: usdc.address, allowed: false }]);
      expect(await market.read.isCurrencyAllowed([usdc.address])).to.equal(false);
      await expectRevert(
        m.fill(m.order({ token: m.openTicket.address, currency: usdc.address, price: USDC("50") })),
        "MarketplaceUnsupportedCurrency",
        [usdc.address],
      );
      await mined(market.write.setAllowedCurrency([usdc.address, true], { account: admin.account }));
      expect(await market.read.isCurrencyAllowed([usdc.address])).to.equal(true);
      await expectRevert(
        market.write.setAllowedCurrency([zeroAddress, true], { account: admin.account }),
        "MarketplaceUnsupportedCurrency",
        [zeroAddress],
      );
      await expectRevert(
        market.write.setAllowedCurrency([usdc.address, false], { account: stranger.account }),
        "MarketplaceUnauthorized",
        [stranger.account.address],
      );
    });

    it("upgrades: only the factory admin; the state survives", async function () {
      const m = await loadFixture(marketFixture);
      const { market, admin, stranger, seller } = m;
      await mined(market.write.incrementNonce({ account: seller.account }));
      const next = await hre.viem.deployContract("Marketplace", [m.forwarder.address]);
      await expectRevert(
        market.write.upgradeToAndCall([next.address, "0x"], { account: stranger.account }),
        "MarketplaceUnauthorized",
        [stranger.account.address],
      );
      const receipt = await mined(market.write.upgradeToAndCall([next.address, "0x"], { account: admin.account }));
      expectSame(eventsOf(market, receipt, "Upgraded"), [{ implementation: next.address }]);
      const slot = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
      const stored = await m.publicClient.getStorageAt({ address: market.address, slot });
      expectSame(`0x${stored!.slice(26)}`, next.address);
      expect(await market.read.nonces([seller.account.address])).to.equal(1n);
      expectSame(await market.read.platformFee(), [FEE_BPS, m.treasury.account.address]);
    });
  });

  describe("upgrade safety", function () {
    it("passes @openzeppelin/upgrades-core (UUPS; state in the ERC-7201 namespace)", async function () {
      const name = "contracts/Marketplace.sol:Marketplace";
      const buildInfo = await hre.artifacts.getBuildInfo(name);
      expect(buildInfo, "build info").to.not.equal(undefined);
      const { input, output, solcVersion } = buildInfo!;
      // Hardhat's and upgrades-core's solc typings differ only nominally.
      const validations = validate(output as never, solcInputOutputDecoder(input as never, output as never), solcVersion, input as never);
      const version = getContractVersion(validations, name);
      assertUpgradeSafe([validations], version, { kind: "uups" });
      const layout = getStorageLayout([validations], version);
      expect(layout.storage, "no state outside namespaces").to.deep.equal([]);
      expect(Object.keys(layout.namespaces ?? {})).to.include("erc7201:ticketchain.storage.Marketplace");
    });
  });

  describe("fill, native coin, whole ticket", function () {
    it("credits seller (under the order hash), royalty and fee in the escrow, moves the ticket, records the fill and emits OrderFilled", async function () {
      const m = await loadFixture(marketFixture);
      const { market, escrow, ticket, seller, buyer, promoter, treasury } = m;
      const o = m.order();
      const owedBefore = await escrow.read.totalOwed([zeroAddress]);
      const buyerBefore = await m.balance(buyer.account.address);
      expect(await market.read.filled([m.hashOf(o)])).to.equal(0n);

      const receipt = await mined(m.fill(o));

      const { royalty, fee, seller: sellerAmount } = split(CAP);
      expectSame(await escrow.read.sale([m.hashOf(o)]), [seller.account.address, zeroAddress, sellerAmount]);
      expect(await m.credits(seller.account.address)).to.equal(0n);
      expect(await m.credits(promoter.account.address)).to.equal(royalty);
      expect(await m.credits(treasury.account.address)).to.equal(fee);
      expect(sellerAmount + royalty + fee).to.equal(CAP);
      expect(await escrow.read.totalOwed([zeroAddress])).to.equal(owedBefore + CAP);
      const gasCost = receipt.gasUsed * receipt.effectiveGasPrice;
      expect(await m.balance(buyer.account.address)).to.equal(buyerBefore - CAP - gasCost);
      expect(await m.balance(market.address)).to.equal(0n);
      expectSame(await ticket.read.ownerOf([1n]), buyer.account.address);
      expect(await market.read.filled([m.hashOf(o)])).to.equal(1n);

      expectSame(eventsOf(market, receipt, "OrderFilled"), [
        {
          orderHash: m.hashOf(o),
          seller: seller.account.address,
          buyer: buyer.account.address,
          token: ticket.address,
          tokenId: 1n,
          amount: 1n,
          total: CAP,
          royalty,
          fee,
        },
      ]);
      expectSame(eventsOf(escrow, receipt, "SaleCredited"), [
        { orderHash: m.hashOf(o), seller: seller.account.address, currency: zeroAddress, amount: sellerAmount },
      ]);
      expectSame(eventsOf(escrow, receipt, "Credited"), [
        { payee: promoter.account.address, currency: zeroAddress, amount: royalty },
        { payee: treasury.account.address, currency: zeroAddress, amount: fee },
      ]);
      expectSame(eventsOf(ticket, receipt, "Transfer"), [
        { from: seller.account.address, to: buyer.account.address, tokenId: 1n },
      ]);
    });

    it("the credits are withdrawable by each payee, the seller's by order hash (still filled afterwards)", async function () {
      const m = await loadFixture(marketFixture);
      const { escrow, market, seller, promoter, treasury } = m;
      const o = m.order();
      await mined(m.fill(o));
      const { royalty, fee, seller: sellerAmount } = split(CAP);
      const before = await m.balance(seller.account.address);
      const sold = await mined(escrow.write.withdrawSales([[m.hashOf(o)]], { account: seller.account }));
      expectSame(eventsOf(escrow, sold, "SaleWithdrawn"), [
        { orderHash: m.hashOf(o), seller: seller.account.address, currency: zeroAddress, amount: sellerAmount },
      ]);
      expect(await m.balance(seller.account.address)).to.equal(before + sellerAmount - sold.gasUsed * sold.effectiveGasPrice);
      expectSame(await escrow.read.sale([m.hashOf(o)]), [seller.account.address, zeroAddress, 0n]);
      expect(await market.read.filled([m.hashOf(o)])).to.equal(1n);
      for (const [w, amount] of [
        [promoter, royalty],
        [treasury, fee],
      ] as const) {
        const before = await m.balance(w.account.address);
        const receipt = await mined(escrow.write.withdraw([zeroAddress], { account: w.account }));
        expectSame(eventsOf(escrow, receipt, "Withdrawn"), [{ payee: w.account.address, currency: zeroAddress, amount }]);
        expect(await m.balance(w.account.address)).to.equal(before + amount - receipt.gasUsed * receipt.effectiveGasPrice);
        expect(await m.credits(w.account.address)).to.equal(0n);
      }
    });

    it("works with a per-token approval instead of an operator approval", async function () {
      const m = await loadFixture(marketFixture);
      const { market, ticket, seller, buyer } = m;
      await mined(ticket.write.setApprovalForAll([market.address, false], { account: seller.account }));
      await mined(ticket.write.approve([market.address, 2n], { account: seller.account }));
      await mined(m.fill(m.order({ tokenId: 2n })));
      expectSame(await ticket.read.ownerOf([2n]), buyer.account.address);
    });

    it("skips zero credits: no fee when the fee is 0, no royalty when it rounds to 0", async function () {
      const m = await loadFixture(marketFixture);
      const { market, escrow, admin, seller, promoter, treasury } = m;
      await mined(market.write.setPlatformFee([0, treasury.account.address], { account: admin.account }));
      let receipt = await mined(m.fill(m.order()));
      const royalty = (CAP * ROYALTY) / BPS;
      expectSame(eventsOf(escrow, receipt, "SaleCredited"), [
        { orderHash: m.hashOf(m.order()), seller: seller.account.address, currency: zeroAddress, amount: CAP - royalty },
      ]);
      expectSame(eventsOf(escrow, receipt, "Credited"), [
        { payee: promoter.account.address, currency: zeroAddress, amount: royalty },
      ]);
      // 19 wei: 5 % royalty rounds down to 0.
      const cheap = m.order({ tokenId: 2n, price: 19n });
      receipt = await mined(m.fill(cheap));
      expectSame(eventsOf(escrow, receipt, "SaleCredited"), [
        { orderHash: m.hashOf(cheap), seller: seller.account.address, currency: zeroAddress, amount: 19n },
      ]);
      expect(eventsOf(escrow, receipt, "Credited")).to.have.length(0);
    });

    it("a zero-price order transfers the ticket without touching the escrow", async function () {
      const m = await loadFixture(marketFixture);
      const { market, escrow, ticket, buyer } = m;
      const owed = await escrow.read.totalOwed([zeroAddress]);
      const o = m.order({ price: 0n });
      const receipt = await mined(m.fill(o));
      expectSame(await ticket.read.ownerOf([1n]), buyer.account.address);
      expect(eventsOf(escrow, receipt, "Credited")).to.have.length(0);
      expect(eventsOf(escrow, receipt, "SaleCredited")).to.have.length(0);
      expect(await escrow.read.totalOwed([zeroAddress])).to.equal(owed);
      // the marketplace marks a free order filled itself (the escrow holds nothing for it)
      expect(await market.read.filled([m.hashOf(o)])).to.equal(1n);
      await mined(ticket.write.transferFrom([buyer.account.address, m.seller.account.address, 1n], { account: buyer.account }));
      await expectRevert(m.fill(o, { from: m.buyer2 }), "MarketplaceInvalidFillAmount", [m.hashOf(o), 1n, 0n]);
      expect(eventsOf(market, receipt, "OrderFilled")[0]).to.include({ total: 0n, royalty: 0n, fee: 0n });
    });

    it("takes the maximum fee of 10 %", async function () {
      const m = await loadFixture(marketFixture);
      const { market, admin, treasury } = m;
      await mined(market.write.setPlatformFee([1000, treasury.account.address], { account: admin.account }));
      await mined(m.fill(m.order()));
      expect(await m.credits(treasury.account.address)).to.equal(CAP / 10n);
    });

    it("measures the gas of a capped ticket fill with fee and royalty", async function () {
      const m = await loadFixture(marketFixture);
      const first = await mined(m.fill(m.order()));
      const second = await mined(m.fill(m.order({ tokenId: 2n }), { from: m.buyer2 }));
      console.log(
        `      gas: fill (native, cap, fee, royalty) first credit per payee ${first.gasUsed}, payees already credited ${second.gasUsed}`,
      );
      expect(second.gasUsed < first.gasUsed).to.equal(true);
    });
  });

  describe("resale cap", function () {
    it("accepts a price exactly at the cap and refuses one wei more", async function () {
      const m = await loadFixture(marketFixture);
      expect(await m.ticket.read.resaleCap([1n])).to.equal(CAP);
      await expectRevert(m.fill(m.order({ price: CAP + 1n })), "MarketplacePriceAboveCap", [CAP + 1n, CAP]);
      await mined(m.fill(m.order({ price: CAP })));
    });

    it("does not limit tickets of an uncapped event", async function () {
      const m = await loadFixture(marketFixture);
      await mined(m.fill(m.order({ token: m.openTicket.address, price: FACE * 10n })));
      expectSame(await m.openTicket.read.ownerOf([1n]), m.buyer.account.address);
    });

    it("refuses ERC-20 orders on a capped ticket (the cap is in wei)", async function () {
      const m = await loadFixture(marketFixture);
      await expectRevert(
        m.fill(m.order({ currency: m.usdc.address, price: USDC("1") })),
        "MarketplaceResaleCapRequiresNative",
        [m.ticket.address, 1n],
      );
    });
  });

  describe("fill, ERC-20", function () {
    it("pulls the total from the buyer into the escrow and credits it in the token", async function () {
      const m = await loadFixture(marketFixture);
      const { market, escrow, usdc, openTicket, seller, buyer, promoter2, treasury } = m;
      const price = USDC("120");
      const o = m.order({ token: m.openTicket.address, currency: usdc.address, price });
      await mined(usdc.write.approve([market.address, price], { account: buyer.account }));
      const receipt = await mined(m.fill(o));

      const { royalty, fee, seller: sellerAmount } = split(price);
      expect(await usdc.read.balanceOf([buyer.account.address])).to.equal(USDC("10000") - price);
      expect(await usdc.read.balanceOf([escrow.address])).to.equal(price);
      expect(await usdc.read.balanceOf([market.address])).to.equal(0n);
      expect(await escrow.read.totalOwed([usdc.address])).to.equal(price);
      expectSame(await escrow.read.sale([m.hashOf(o)]), [seller.account.address, usdc.address, sellerAmount]);
      expect(await m.credits(promoter2.account.address, usdc.address)).to.equal(royalty);
      expect(await m.credits(treasury.account.address, usdc.address)).to.equal(fee);
      expectSame(await openTicket.read.ownerOf([1n]), buyer.account.address);
      expect(eventsOf(market, receipt, "OrderFilled")[0]).to.include({ total: price, royalty, fee });

      await mined(escrow.write.withdrawSales([[m.hashOf(o)]], { account: seller.account }));
      expect(await usdc.read.balanceOf([seller.account.address])).to.equal(sellerAmount);
    });

    it("fails with the token's error when the buyer's allowance is short", async function () {
      const m = await loadFixture(marketFixture);
      const { market, usdc, buyer } = m;
      const price = USDC("120");
      await mined(usdc.write.approve([market.address, price - 1n], { account: buyer.account }));
      await expectRevert(
        m.fill(m.order({ token: m.openTicket.address, currency: usdc.address, price })),
        "ERC20InsufficientAllowance",
        [market.address, price - 1n, price],
        usdc.abi,
      );
    });

    it("refuses native coin sent with an ERC-20 order, and unknown currencies", async function () {
      const m = await loadFixture(marketFixture);
      const o = m.order({ token: m.openTicket.address, currency: m.usdc.address, price: USDC("1") });
      await expectRevert(m.fill(o, { value: 1n }), "MarketplaceIncorrectPayment", [1n, 0n]);
      const other = m.stranger.account.address;
      await expectRevert(m.fill(m.order({ currency: other })), "MarketplaceUnsupportedCurrency", [other]);
    });
  });

  describe("fillWithPermit", function () {
    it("approves with the buyer's EIP-2612 permit and fills in one transaction", async function () {
      const m = await loadFixture(marketFixture);
      const { market, usdc, buyer, openTicket } = m;
      const price = USDC("75");
      const o = m.order({ token: openTicket.address, currency: usdc.address, price });
      const deadline = m.expiry;
      const { v, r, s } = await signPermit(m, buyer, price, deadline);
      const receipt = await mined(
        market.write.fillWithPermit([o, await m.sign(o), 1n, deadline, v, r, s], { account: buyer.account }),
      );
      expectSame(eventsOf(usdc, receipt, "Approval")[0], {
        owner: buyer.account.address,
        spender: market.address,
        value: price,
      });
      expectSame(await openTicket.read.ownerOf([1n]), buyer.account.address);
      expect(await usdc.read.allowance([buyer.account.address, market.address])).to.equal(0n);
      expect(await usdc.read.nonces([buyer.account.address])).to.equal(1n);
      expect(await m.escrow.read.totalOwed([usdc.address])).to.equal(price);
    });

    it("still fills when the permit was front-run (the allowance it granted counts)", async function () {
      const m = await loadFixture(marketFixture);
      const { market, usdc, buyer, stranger, openTicket } = m;
      const price = USDC("75");
      const o = m.order({ token: openTicket.address, currency: usdc.address, price });
      const { v, r, s } = await signPermit(m, buyer, price, m.expiry);
      await mined(
        usdc.write.permit([buyer.account.address, market.address, price, m.expiry, v, r, s], { account: stranger.account }),
      );
      await mined(market.write.fillWithPermit([o, await m.sign(o), 1n, m.expiry, v, r, s], { account: buyer.account }));
      expectSame(await openTicket.read.ownerOf([1n]), buyer.account.address);
    });

    it("refuses a failed permit without allowance, native orders and disallowed currencies", async function () {
      const m = await loadFixture(marketFixture);
      const { market, usdc, buyer, buyer2, openTicket, admin } = m;
      const price = USDC("75");
      const o = m.order({ token: openTicket.address, currency: usdc.address, price });
      const sig = await m.sign(o);
      // Signed by someone else than the buyer.
      const bad = await signPermit(m, buyer2, price, m.expiry);
      await expectRevert(
        market.write.fillWithPermit([o, sig, 1n, m.expiry, bad.v, bad.r, bad.s], { account: buyer.account }),
        "MarketplacePermitFailed",
        [usdc.address, 0n, price],
      );
      const native = m.order();
      await expectRevert(
        market.write.fillWithPermit([native, await m.sign(native), 1n, m.expiry, bad.v, bad.r, bad.s], {
          account: buyer.account,
        }),
        "MarketplacePermitRequiresErc20",
      );
      await mined(market.write.setAllowedCurrency([usdc.address, false], { account: admin.account }));
      const good = await signPermit(m, buyer, price, m.expiry);
      await expectRevert(
        market.write.fillWithPermit([o, sig, 1n, m.expiry, good.v, good.r, good.s], { account: buyer.account }),
        "MarketplaceUnsupportedCurrency",
        [usdc.address],
      );
    });
  });

  describe("fill, fractions (ERC-1155 shares)", function () {
    it("fills an order in parts; each part credited and recorded; then refuses an over-fill and a replay", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      const { market, vault, escrow, capId, seller, buyer, buyer2, promoter, treasury } = m;
      const price = CAP / SHARES;
      const o = m.shareOrder(); // 40 shares
      const h = m.hashOf(o);
      const signature = await m.sign(o);

      const first = await mined(m.fill(o, { amount: 15n, signature }));
      expect(await market.read.filled([h])).to.equal(15n);
      expect(await vault.read.balanceOf([buyer.account.address, capId])).to.equal(15n);
      const part1 = split(price * 15n);
      expectSame(eventsOf(market, first, "OrderFilled"), [
        {
          orderHash: h,
          seller: seller.account.address,
          buyer: buyer.account.address,
          token: vault.address,
          tokenId: capId,
          amount: 15n,
          total: price * 15n,
          royalty: part1.royalty,
          fee: part1.fee,
        },
      ]);
      expectSame(eventsOf(vault, first, "TransferSingle"), [
        { operator: market.address, from: seller.account.address, to: buyer.account.address, id: capId, value: 15n },
      ]);

      await expectRevert(m.fill(o, { amount: 26n, signature, from: buyer2 }), "MarketplaceInvalidFillAmount", [h, 26n, 25n]);
      await mined(m.fill(o, { amount: 25n, signature, from: buyer2 }));
      expect(await market.read.filled([h])).to.equal(40n);
      expect(await vault.read.balanceOf([buyer2.account.address, capId])).to.equal(25n);
      expect(await vault.read.balanceOf([seller.account.address, capId])).to.equal(SHARES - 40n);
      await expectRevert(m.fill(o, { amount: 1n, signature, from: buyer2 }), "MarketplaceInvalidFillAmount", [h, 1n, 0n]);

      const part2 = split(price * 25n);
      expect(await m.credits(seller.account.address)).to.equal(part1.seller + part2.seller);
      expect(await m.credits(promoter.account.address)).to.equal(part1.royalty + part2.royalty);
      expect(await m.credits(treasury.account.address)).to.equal(part1.fee + part2.fee);
      expect(await escrow.read.totalOwed([zeroAddress])).to.equal(
        (await escrow.read.proceeds([m.ticket.address])) + (await escrow.read.proceeds([m.openTicket.address])) + price * 40n,
      );
    });

    it("caps the price per share at ⌊resaleCap / totalShares⌋", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      const perShare = CAP / SHARES;
      await expectRevert(
        m.fill(m.shareOrder({ price: perShare + 1n }), { amount: 1n }),
        "MarketplacePriceAboveCap",
        [perShare + 1n, perShare],
      );
      await mined(m.fill(m.shareOrder({ price: perShare }), { amount: 1n }));
    });

    it("rounds the cap per share down when it does not divide evenly", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      const { vault, ticket, seller } = m;
      await mined(ticket.write.approve([vault.address, 1n], { account: seller.account }));
      await mined(vault.write.fractionalize([ticket.address, 1n, 3n, parseEther("1")], { account: seller.account }));
      const id = await vault.read.fractionId([ticket.address, 1n]);
      const perShare = CAP / 3n; // 3 × perShare < CAP < 3 × (perShare + 1)
      expect(CAP % 3n).to.not.equal(0n);
      await expectRevert(
        m.fill(m.shareOrder({ tokenId: id, amount: 1n, price: perShare + 1n })),
        "MarketplacePriceAboveCap",
        [perShare + 1n, perShare],
      );
      await mined(m.fill(m.shareOrder({ tokenId: id, amount: 1n, price: perShare })));
    });

    it("refuses ERC-20 share orders of a capped ticket, naming the underlying ticket", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      await expectRevert(
        m.fill(m.shareOrder({ currency: m.usdc.address, price: USDC("1") }), { amount: 1n }),
        "MarketplaceResaleCapRequiresNative",
        [m.ticket.address, 4n],
      );
    });

    it("sells shares of an uncapped ticket for the ERC-20, royalty to the underlying ticket's promoter", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      const { market, usdc, vault, openId, buyer, seller, promoter2 } = m;
      const price = USDC("3");
      const o = m.shareOrder({ tokenId: openId, currency: usdc.address, price, amount: SHARES });
      await mined(usdc.write.approve([market.address, price * 10n], { account: buyer.account }));
      await mined(m.fill(o, { amount: 10n }));
      const parts = split(price * 10n);
      expect(await vault.read.balanceOf([buyer.account.address, openId])).to.equal(10n);
      expect(await m.credits(seller.account.address, usdc.address)).to.equal(parts.seller);
      expect(await m.credits(promoter2.account.address, usdc.address)).to.equal(parts.royalty);
      expect(await m.escrow.read.totalOwed([usdc.address])).to.equal(price * 10n);
    });

    it("fillWithPermit buys shares with one signature from the buyer", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      const { market, usdc, vault, openId, buyer } = m;
      const price = USDC("3");
      const o = m.shareOrder({ tokenId: openId, currency: usdc.address, price, amount: 50n });
      const { v, r, s } = await signPermit(m, buyer, price * 7n, m.expiry);
      await mined(market.write.fillWithPermit([o, await m.sign(o), 7n, m.expiry, v, r, s], { account: buyer.account }));
      expect(await vault.read.balanceOf([buyer.account.address, openId])).to.equal(7n);
      expect(await market.read.filled([m.hashOf(o)])).to.equal(7n);
    });

    it("refuses an id without a vault, a seller short of shares, and a seller who revoked the approval", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      const { vault, seller, capId } = m;
      await expectRevert(m.fill(m.shareOrder({ tokenId: 12345n }), { amount: 1n }), "MarketplaceUnknownVault", [12345n]);
      // Approval revoked while the seller still holds every share.
      await mined(vault.write.setApprovalForAll([m.market.address, false], { account: seller.account }));
      await expectRevert(m.fill(m.shareOrder(), { amount: 1n }), "MarketplaceSellerCannotDeliver", [seller.account.address]);
      await mined(vault.write.setApprovalForAll([m.market.address, true], { account: seller.account }));
      // Short of shares: an order for more than the seller holds, then shares moved away.
      await expectRevert(
        m.fill(m.shareOrder({ amount: SHARES + 1n }), { amount: SHARES + 1n }),
        "MarketplaceSellerCannotDeliver",
        [seller.account.address],
      );
      await mined(
        vault.write.safeTransferFrom([seller.account.address, m.stranger.account.address, capId, SHARES - 10n, "0x"], {
          account: seller.account,
        }),
      );
      await expectRevert(m.fill(m.shareOrder(), { amount: 11n }), "MarketplaceSellerCannotDeliver", [seller.account.address]);
      await mined(m.fill(m.shareOrder(), { amount: 10n }));
    });

    it("measures the gas of a partial share fill", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      const o = m.shareOrder();
      const signature = await m.sign(o);
      await mined(m.fill(o, { amount: 5n, signature }));
      const second = await mined(m.fill(o, { amount: 5n, signature, from: m.buyer2 }));
      console.log(`      gas: partial share fill (native, cap, fee, royalty; payees already credited) ${second.gasUsed}`);
    });
  });

  describe("refusals", function () {
    it("an expired order (block time after expiry); fills exactly at expiry", async function () {
      const m = await loadFixture(marketFixture);
      const now = BigInt(await time.latest());
      const o = m.order({ expiry: now + 100n });
      await time.setNextBlockTimestamp(now + 100n);
      await mined(m.fill(o));
      const late = m.order({ tokenId: 2n, expiry: now + 101n });
      await time.setNextBlockTimestamp(now + 102n);
      await expectRevert(m.fill(late), "MarketplaceOrderExpired", [m.hashOf(late), now + 101n]);
    });

    it("a nonce that is not the seller's current one", async function () {
      const m = await loadFixture(marketFixture);
      const seller = m.seller.account.address;
      const ahead = m.order({ nonce: 1n });
      await expectRevert(m.fill(ahead), "MarketplaceInvalidNonce", [seller, 1n, 0n]);
      const o = m.order();
      await mined(m.market.write.incrementNonce({ account: m.seller.account }));
      await expectRevert(m.fill(o), "MarketplaceInvalidNonce", [seller, 0n, 1n]);
      await mined(m.fill(ahead));
    });

    it("a cancelled order", async function () {
      const m = await loadFixture(marketFixture);
      const o = m.order();
      await mined(m.market.write.cancel([o], { account: m.seller.account }));
      await expectRevert(m.fill(o), "MarketplaceOrderCancelled", [m.hashOf(o)]);
    });

    it("a replayed (already filled) order, a zero amount and an over-fill", async function () {
      const m = await loadFixture(marketFixture);
      const o = m.order();
      const h = m.hashOf(o);
      await expectRevert(m.fill(o, { amount: 0n }), "MarketplaceInvalidFillAmount", [h, 0n, 1n]);
      await expectRevert(m.fill(o, { amount: 2n }), "MarketplaceInvalidFillAmount", [h, 2n, 1n]);
      await mined(m.fill(o));
      // The ticket came back to the seller: the old signature still must not work. A paid whole-ticket order is
      // marked filled by the seller's credit in the escrow, which refuses the same order hash twice, also after
      // the seller withdrew it.
      await mined(m.ticket.write.transferFrom([m.buyer.account.address, m.seller.account.address, 1n], { account: m.buyer.account }));
      await expectRevert(m.fill(o, { from: m.buyer2 }), "EscrowSaleAlreadyCredited", [h], m.escrow.abi);
      await mined(m.escrow.write.withdrawSales([[h]], { account: m.seller.account }));
      await expectRevert(m.fill(o, { from: m.buyer2 }), "EscrowSaleAlreadyCredited", [h], m.escrow.abi);
      expectSame(await m.ticket.read.ownerOf([1n]), m.seller.account.address);
    });

    it("a ticket order for more than one ticket", async function () {
      const m = await loadFixture(marketFixture);
      await expectRevert(m.fill(m.order({ amount: 2n }), { amount: 1n }), "MarketplaceInvalidTicketAmount", [2n]);
    });

    it("a signature by someone else than the seller, a tampered order, malformed or foreign-domain signatures", async function () {
      const m = await loadFixture(marketFixture);
      const seller = m.seller.account.address;
      const o = m.order();
      const byOther = await m.sign(o, m.buyer2);
      await expectRevert(m.fill(o, { signature: byOther }), "MarketplaceInvalidSignature", [m.hashOf(o), seller]);

      const signature = await m.sign(o);
      const cheaper = { ...o, price: 1n };
      await expectRevert(m.fill(cheaper, { signature }), "MarketplaceInvalidSignature", [m.hashOf(cheaper), seller]);

      await expectRevert(m.fill(o, { signature: "0x1234" }), "MarketplaceInvalidSignature", [m.hashOf(o), seller]);

      const foreign = await m.seller.signTypedData({
        account: m.seller.account,
        domain: { name: MARKETPLACE_DOMAIN_NAME, version: "1", chainId: 1, verifyingContract: m.market.address },
        types: ORDER_TYPES,
        primaryType: "Order",
        message: o,
      });
      await expectRevert(m.fill(o, { signature: foreign }), "MarketplaceInvalidSignature", [m.hashOf(o), seller]);
    });

    it("the seller buying their own order", async function () {
      const m = await loadFixture(marketFixture);
      await expectRevert(m.fill(m.order(), { from: m.seller }), "MarketplaceBuyerIsSeller", [m.seller.account.address]);
    });

    it("a wrong native payment", async function () {
      const m = await loadFixture(marketFixture);
      await expectRevert(m.fill(m.order(), { value: CAP - 1n }), "MarketplaceIncorrectPayment", [CAP - 1n, CAP]);
      await expectRevert(m.fill(m.order(), { value: CAP + 1n }), "MarketplaceIncorrectPayment", [CAP + 1n, CAP]);
    });

    it("tokens that are neither registered tickets nor the fractions vault", async function () {
      const m = await loadFixture(marketFixture);
      for (const token of [m.usdc.address, m.ticketImplementation.address, m.stranger.account.address, zeroAddress]) {
        await expectRevert(m.fill(m.order({ token })), "MarketplaceUnsupportedToken", [token]);
      }
    });

    it("a seller who sold the ticket elsewhere, or revoked the approval", async function () {
      const m = await loadFixture(marketFixture);
      const { ticket, market, seller } = m;
      await mined(ticket.write.transferFrom([seller.account.address, m.stranger.account.address, 1n], { account: seller.account }));
      await expectRevert(m.fill(m.order()), "MarketplaceSellerCannotDeliver", [seller.account.address]);
      await mined(ticket.write.setApprovalForAll([market.address, false], { account: seller.account }));
      await expectRevert(m.fill(m.order({ tokenId: 2n })), "MarketplaceSellerCannotDeliver", [seller.account.address]);
    });

    it("a checked-in ticket or a cancelled event (the ticket's own error bubbles up)", async function () {
      const m = await loadFixture(marketFixture);
      const { ticket, promoter } = m;
      await m.checkIn(ticket, [1n]);
      await expectRevert(m.fill(m.order()), "TicketCheckedInNotTransferable", [1n], ticket.abi);
      await mined(ticket.write.cancelEvent({ account: promoter.account }));
      await expectRevert(m.fill(m.order({ tokenId: 2n })), "TicketEventCancelled", [m.eventId], ticket.abi);
    });

    it("royalty plus fee above the total (only reachable with a misconfigured registry)", async function () {
      const m = await loadFixture(marketFixture);
      const greedy = await hre.viem.deployContract("MarketGreedyTicket");
      const misconfiguredFactory = await hre.viem.deployContract("MarketMisconfiguredFactory", [greedy.address]);
      const proxy = await hre.viem.deployContract("ERC1967Proxy", [
        m.marketImplementation.address,
        encodeFunctionData({
          abi: m.marketImplementation.abi,
          functionName: "initialize",
          args: [misconfiguredFactory.address, 1000, m.treasury.account.address, zeroAddress],
        }),
      ]);
      const other = await hre.viem.getContractAt("Marketplace", proxy.address);
      const o = m.order({ token: greedy.address, price: parseEther("1") });
      const signature = await m.seller.signTypedData({
        account: m.seller.account,
        ...orderTypedData(o, m.chainId, other.address),
      });
      await expectRevert(
        other.write.fill([o, signature, 1n], { account: m.buyer.account, value: parseEther("1") }),
        "MarketplaceFeesExceedTotal",
        [parseEther("1"), parseEther("0.1"), parseEther("1")],
      );
    });
  });

  describe("cancel", function () {
    it("lets the seller cancel one order; emits OrderCancelled", async function () {
      const m = await loadFixture(marketFixture);
      const o = m.order();
      const h = m.hashOf(o);
      expect(await m.market.read.cancelled([h])).to.equal(false);
      const receipt = await mined(m.market.write.cancel([o], { account: m.seller.account }));
      expectSame(eventsOf(m.market, receipt, "OrderCancelled"), [{ orderHash: h, seller: m.seller.account.address }]);
      expect(await m.market.read.cancelled([h])).to.equal(true);
      // Other orders of the seller are untouched.
      await mined(m.fill(m.order({ salt: 2n })));
    });

    it("refuses anyone but the seller, and a second cancel", async function () {
      const m = await loadFixture(marketFixture);
      const o = m.order();
      await expectRevert(m.market.write.cancel([o], { account: m.buyer.account }), "MarketplaceNotSeller", [
        m.buyer.account.address,
        m.seller.account.address,
      ]);
      await mined(m.market.write.cancel([o], { account: m.seller.account }));
      await expectRevert(m.market.write.cancel([o], { account: m.seller.account }), "MarketplaceOrderCancelled", [
        m.hashOf(o),
      ]);
    });
  });

  describe("incrementNonce", function () {
    it("moves the caller to the next nonce, returns it and emits NonceIncremented", async function () {
      const m = await loadFixture(marketFixture);
      const { market, seller, buyer } = m;
      const { result } = await market.simulate.incrementNonce({ account: seller.account.address });
      expect(result).to.equal(1n);
      let receipt = await mined(market.write.incrementNonce({ account: seller.account }));
      expectSame(eventsOf(market, receipt, "NonceIncremented"), [{ seller: seller.account.address, newNonce: 1n }]);
      receipt = await mined(market.write.incrementNonce({ account: seller.account }));
      expectSame(eventsOf(market, receipt, "NonceIncremented"), [{ seller: seller.account.address, newNonce: 2n }]);
      expect(await market.read.nonces([seller.account.address])).to.equal(2n);
      expect(await market.read.nonces([buyer.account.address])).to.equal(0n);
      await mined(m.fill(m.order({ nonce: 2n })));
    });
  });

  describe("ERC-1271 contract wallets", function () {
    async function walletFixture() {
      const m = await marketFixture();
      const owner = m.stranger;
      const wallet = await hre.viem.deployContract("MarketWallet", [owner.account.address]);
      await mined(
        m.ticket.write.transferFrom([m.seller.account.address, wallet.address, 1n], { account: m.seller.account }),
      );
      const approve = encodeFunctionData({
        abi: m.ticket.abi,
        functionName: "setApprovalForAll",
        args: [m.market.address, true],
      });
      await mined(wallet.write.execute([m.ticket.address, 0n, approve], { account: owner.account }));
      return { ...m, owner, wallet };
    }

    it("sells from a wallet whose owner signed the order", async function () {
      const m = await loadFixture(walletFixture);
      const o = m.order({ seller: m.wallet.address });
      const signature = await m.sign(o, m.owner);
      const receipt = await mined(m.fill(o, { signature }));
      expectSame(await m.ticket.read.ownerOf([1n]), m.buyer.account.address);
      expectSame(await m.escrow.read.sale([m.hashOf(o)]), [m.wallet.address, zeroAddress, split(CAP).seller]);
      expect(eventsOf(m.market, receipt, "OrderFilled")[0]).to.include({ seller: getAddress(m.wallet.address) });
    });

    it("refuses signatures the wallet does not accept (wrong signer, revoked)", async function () {
      const m = await loadFixture(walletFixture);
      const o = m.order({ seller: m.wallet.address });
      const h = m.hashOf(o);
      await expectRevert(m.fill(o, { signature: await m.sign(o, m.buyer2) }), "MarketplaceInvalidSignature", [
        h,
        m.wallet.address,
      ]);
      const signature = await m.sign(o, m.owner);
      await mined(m.wallet.write.setRevoked([true], { account: m.owner.account }));
      await expectRevert(m.fill(o, { signature }), "MarketplaceInvalidSignature", [h, m.wallet.address]);
    });

    it("buys into a contract wallet (safe transfer to a receiver)", async function () {
      const m = await loadFixture(walletFixture);
      const o = m.order({ tokenId: 2n });
      const data = encodeFunctionData({ abi: m.market.abi, functionName: "fill", args: [o, await m.sign(o), 1n] });
      await mined(m.wallet.write.execute([m.market.address, CAP, data], { account: m.owner.account, value: CAP }));
      expectSame(await m.ticket.read.ownerOf([2n]), m.wallet.address);
    });
  });

  describe("reentrancy", function () {
    async function attackFixture() {
      const m = await marketFixture();
      const attacker = await hre.viem.deployContract("MarketReentrantBuyer", [m.market.address]);
      await mined(m.stranger.sendTransaction({ to: attacker.address, value: parseEther("5") }));
      const first = m.order({ tokenId: 1n });
      const second = m.order({ tokenId: 2n });
      const fillData = async (o: Order) =>
        encodeFunctionData({ abi: m.market.abi, functionName: "fill", args: [o, await m.sign(o), 1n] });
      return { ...m, attacker, first, second, firstData: await fillData(first), secondData: await fillData(second) };
    }

    it("a buyer contract re-entering fill from onERC721Received makes the whole fill revert", async function () {
      const m = await loadFixture(attackFixture);
      await mined(m.attacker.write.arm([m.secondData, CAP, false]));
      await expectRevert(m.attacker.write.callMarket([m.firstData, CAP]), "ReentrancyGuardReentrantCall", [], m.market.abi);
      expectSame(await m.ticket.read.ownerOf([1n]), m.seller.account.address);
      expect(await m.market.read.filled([m.hashOf(m.first)])).to.equal(0n);
    });

    it("the nested fill is refused even when the attacker swallows its revert", async function () {
      const m = await loadFixture(attackFixture);
      await mined(m.attacker.write.arm([m.secondData, CAP, true]));
      await mined(m.attacker.write.callMarket([m.firstData, CAP]));
      expect(await m.attacker.read.reentryAttempts()).to.equal(1n);
      expect(await m.attacker.read.reentrySucceeded()).to.equal(false);
      const data = await m.attacker.read.reentryRevertData();
      expect(data).to.equal("0x3ee5aeb5"); // ReentrancyGuardReentrantCall()
      expectSame(await m.ticket.read.ownerOf([1n]), m.attacker.address);
      expectSame(await m.ticket.read.ownerOf([2n]), m.seller.account.address);
      expect(await m.market.read.filled([m.hashOf(m.second)])).to.equal(0n);
      expect(await m.escrow.read.totalOwed([zeroAddress])).to.equal(
        (await m.escrow.read.proceeds([m.ticket.address])) + (await m.escrow.read.proceeds([m.openTicket.address])) + CAP,
      );
    });

    it("re-entering fillWithPermit or the same order is refused too", async function () {
      const m = await loadFixture(attackFixture);
      const permitData = encodeFunctionData({
        abi: m.market.abi,
        functionName: "fillWithPermit",
        args: [m.second, await m.sign(m.second), 1n, 0n, 27, `0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`],
      });
      await mined(m.attacker.write.arm([permitData, 0n, false]));
      await expectRevert(m.attacker.write.callMarket([m.firstData, CAP]), "ReentrancyGuardReentrantCall", [], m.market.abi);
      await mined(m.attacker.write.arm([m.firstData, CAP, false]));
      await expectRevert(m.attacker.write.callMarket([m.firstData, CAP]), "ReentrancyGuardReentrantCall", [], m.market.abi);
    });
  });

  describe("reentrancy through onERC1155Received", function () {
    it("a share buyer contract re-entering fill is stopped", async function () {
      const m = await loadFixture(fractionsMarketFixture);
      const attacker = await hre.viem.deployContract("MarketReentrantBuyer", [m.market.address]);
      const o = m.shareOrder();
      const signature = await m.sign(o);
      const price = o.price;
      const data = (amount: bigint) =>
        encodeFunctionData({ abi: m.market.abi, functionName: "fill", args: [o, signature, amount] });
      await mined(attacker.write.arm([data(1n), price, false]));
      await expectRevert(
        attacker.write.callMarket([data(2n), price * 2n], { value: price * 3n }),
        "ReentrancyGuardReentrantCall",
        [],
        m.market.abi,
      );
      expect(await m.market.read.filled([m.hashOf(o)])).to.equal(0n);
      await mined(attacker.write.arm([data(1n), price, true]));
      await mined(attacker.write.callMarket([data(2n), price * 2n], { value: price * 3n }));
      expect(await attacker.read.reentrySucceeded()).to.equal(false);
      expect(await m.market.read.filled([m.hashOf(o)])).to.equal(2n);
      expect(await m.vault.read.balanceOf([attacker.address, m.capId])).to.equal(2n);
    });
  });

  describe("meta-transactions (ERC-2771)", function () {
    it("a relayer submits the buyer's signed fill; the buyer is _msgSender()", async function () {
      const m = await loadFixture(marketFixture);
      const { forwarder, market, buyer, relayer } = m;
      const o = m.order();
      const data = encodeFunctionData({ abi: market.abi, functionName: "fill", args: [o, await m.sign(o), 1n] });
      const request = {
        from: buyer.account.address,
        to: market.address,
        value: CAP,
        gas: 500_000n,
        nonce: await forwarder.read.nonces([buyer.account.address]),
        deadline: Number(m.expiry),
        data,
      };
      const signature = await buyer.signTypedData({
        account: buyer.account,
        domain: { name: "TicketChainForwarder", version: "1", chainId: m.chainId, verifyingContract: forwarder.address },
        types: FORWARD_REQUEST_TYPES,
        primaryType: "ForwardRequest",
        message: request,
      });
      const { nonce: _nonce, ...rest } = request;
      void _nonce;
      const receipt = await mined(
        forwarder.write.execute([{ ...rest, signature }], { account: relayer.account, value: CAP }),
      );
      expectSame(await m.ticket.read.ownerOf([1n]), buyer.account.address);
      expectSame(eventsOf(market, receipt, "OrderFilled")[0].buyer, buyer.account.address);
    });
  });
});
