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
  // Roles are set in the constructor: the deployer keeps no privilege unless it is the admin.
  const factory = m.contract("TicketFactory", [admin, minter, ticketImplementation]);

  return { factory, ticketImplementation };
});
