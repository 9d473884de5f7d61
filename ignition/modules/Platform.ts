import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/**
 * The platform on one chain, in the order of docs/decisions/006-contract-architecture.md:
 * forwarder → ticket implementation → factory (UUPS proxy) → escrow, fractions, marketplace (UUPS proxies)
 * → allowed ERC-20 → factory.setPlatformContracts.
 *
 * The deployer is the first admin (it makes the set-up calls); `npm run deploy -- --admin <address>` hands
 * the admin role over afterwards and renounces the deployer's. Parameters
 * (ignition/parameters/<network>.json, module "PlatformWithTestToken" here, "Platform" in PlatformMainnet.ts):
 *  - minter: the server's custodial signer (default: the deployer)
 *  - feeRecipient: receives the platform fee (default: the deployer)
 *  - platformFeeBps: marketplace fee in basis points (default 250 = 2.5 %, at most 1000)
 *  - fractionsUri: ERC-1155 metadata URI of the fractions vault
 *  - paymentToken: the one ERC-20 accepted (PlatformMainnet.ts only; this module deploys TestUSDC)
 */
type PaymentToken = Parameters<IgnitionModuleBuilder["call"]>[2] extends readonly (infer A)[] | undefined ? A : never;

export function buildPlatform(m: IgnitionModuleBuilder, paymentToken: PaymentToken) {
  const deployer = m.getAccount(0);
  const minter = m.getParameter("minter", deployer);
  const feeRecipient = m.getParameter("feeRecipient", deployer);
  const platformFeeBps = m.getParameter("platformFeeBps", 250);
  const fractionsUri = m.getParameter("fractionsUri", "https://tickets.example/api/fractions/{id}.json");

  const forwarder = m.contract("TrustedForwarder", []);
  const ticketImplementation = m.contract("ConcertTicket", [forwarder]);

  const factoryImplementation = m.contract("TicketFactory", [forwarder], { id: "TicketFactoryImplementation" });
  const factoryProxy = m.contract(
    "ERC1967Proxy",
    [factoryImplementation, m.encodeFunctionCall(factoryImplementation, "initialize", [deployer, minter, ticketImplementation])],
    { id: "TicketFactoryProxy" },
  );
  const factory = m.contractAt("TicketFactory", factoryProxy, { id: "TicketFactory" });

  const escrowImplementation = m.contract("PaymentEscrow", [forwarder], { id: "PaymentEscrowImplementation" });
  const escrowProxy = m.contract(
    "ERC1967Proxy",
    [escrowImplementation, m.encodeFunctionCall(escrowImplementation, "initialize", [factory])],
    { id: "PaymentEscrowProxy" },
  );
  const escrow = m.contractAt("PaymentEscrow", escrowProxy, { id: "PaymentEscrow" });

  const fractionsImplementation = m.contract("FractionalTicketOwnership", [forwarder], {
    id: "FractionalTicketOwnershipImplementation",
  });
  const fractionsProxy = m.contract(
    "ERC1967Proxy",
    [fractionsImplementation, m.encodeFunctionCall(fractionsImplementation, "initialize", [factory, fractionsUri])],
    { id: "FractionalTicketOwnershipProxy" },
  );
  const fractions = m.contractAt("FractionalTicketOwnership", fractionsProxy, { id: "FractionalTicketOwnership" });

  const marketplaceImplementation = m.contract("Marketplace", [forwarder], { id: "MarketplaceImplementation" });
  const marketplaceProxy = m.contract(
    "ERC1967Proxy",
    [
      marketplaceImplementation,
      m.encodeFunctionCall(marketplaceImplementation, "initialize", [factory, platformFeeBps, feeRecipient, paymentToken]),
    ],
    { id: "MarketplaceProxy" },
  );
  const marketplace = m.contractAt("Marketplace", marketplaceProxy, { id: "Marketplace" });

  m.call(escrow, "setAllowedToken", [paymentToken], { id: "allowPaymentToken" });
  m.call(factory, "setPlatformContracts", [escrow, marketplace, fractions], { id: "setPlatformContracts" });

  return { factory, escrow, fractions, marketplace, forwarder, ticketImplementation };
}

/**
 * The embedded chain and testnets: deploys TestUSDC (6 decimals, EIP-2612) as the accepted ERC-20, and a
 * Chainlink-style MockPriceFeed for the coin's USD price (parameters priceFeedDescription / priceFeedAnswer,
 * 8 decimals; default POL / USD = $0.25). Real chains read Chainlink's feed (PRICE_FEED_ADDRESS).
 */
export default buildModule("PlatformWithTestToken", (m) => {
  const paymentToken = m.contract("TestUSDC", [m.getAccount(0)]);
  const priceFeed = m.contract("MockPriceFeed", [
    m.getAccount(0),
    8,
    m.getParameter("priceFeedDescription", "POL / USD"),
    m.getParameter("priceFeedAnswer", 25_000_000n),
  ]);
  return { ...buildPlatform(m, paymentToken), paymentToken, priceFeed };
});
