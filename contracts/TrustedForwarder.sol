// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/**
 * @title TrustedForwarder
 * @notice OpenZeppelin's ERC2771Forwarder under the platform's EIP-712 name: the one forwarder every
 * platform contract trusts, so the relayer can submit transactions signed by gasless wallets.
 */
contract TrustedForwarder is ERC2771Forwarder {
    /// @notice Deploys the forwarder under the EIP-712 name "TicketChainForwarder".
    constructor() ERC2771Forwarder("TicketChainForwarder") {}
}
