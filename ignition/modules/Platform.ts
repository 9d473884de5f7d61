import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The platform's contracts on one chain. Parameters (ignition/parameters/<network>.json):
 *  - admin: platform admin (defaults to the deployer)
 *  - minter: the server's custodial signer (defaults to the deployer)
 */
export default buildModule("Platform", (m) => {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const minter = m.getParameter("minter", deployer);

  const ticketImplementation = m.contract("ConcertTicket", []);
  const factory = m.contract("TicketFactory", [deployer, ticketImplementation]);

  const minterRole = m.staticCall(factory, "MINTER_ROLE", [], 0, { id: "minterRole" });
  const promoterRole = m.staticCall(factory, "PROMOTER_ROLE", [], 0, { id: "promoterRole" });
  const adminRole = m.staticCall(factory, "DEFAULT_ADMIN_ROLE", [], 0, { id: "adminRole" });
  m.call(factory, "grantRole", [minterRole, minter], { id: "grantMinter" });
  m.call(factory, "grantRole", [promoterRole, admin], { id: "grantPromoterToAdmin" });
  m.call(factory, "grantRole", [adminRole, admin], { id: "grantAdmin" });

  return { factory, ticketImplementation };
});
