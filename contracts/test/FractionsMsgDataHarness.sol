// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FractionalTicketOwnership} from "../FractionalTicketOwnership.sol";

/**
 * @title FractionsMsgDataHarness (TEST ONLY)
 * @notice Exposes the vault's ERC-2771 `_msgSender()` / `_msgData()` overrides, which no external function of
 * the vault reaches for `_msgData()` (required by the compiler because two bases define it), so the suite can
 * check that a forwarded call's appended sender is stripped from the data and recognised as the sender.
 */
contract FractionsMsgDataHarness is FractionalTicketOwnership {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address trustedForwarder_) FractionalTicketOwnership(trustedForwarder_) {}

    function msgContext() external view returns (address sender, bytes memory data) {
        return (_msgSender(), _msgData());
    }
}
