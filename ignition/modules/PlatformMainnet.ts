import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildPlatform } from "./Platform";

/**
 * Main networks (Polygon, Ethereum): the accepted ERC-20 is a real stablecoin given as the `paymentToken`
 * parameter (e.g. Polygon's native USDC); no test token is deployed.
 */
export default buildModule("Platform", (m) => buildPlatform(m, m.getParameter("paymentToken")));
