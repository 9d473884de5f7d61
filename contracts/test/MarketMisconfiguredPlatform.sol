// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title MarketMisconfiguredFactory (TEST ONLY)
 * @notice A registry that registers one {MarketGreedyTicket}, so a Marketplace proxy pointed at it can be
 * shown to refuse a ticket whose royalty leaves nothing for the fee. The real factory caps royalties at
 * 10 % and the marketplace caps its fee at 10 %, so that guard cannot be reached on the real platform.
 * Only the functions the marketplace calls before it settles are implemented.
 */
contract MarketMisconfiguredFactory {
    address public immutable registered;

    constructor(address registered_) {
        registered = registered_;
    }

    function hasRole(bytes32, address) external pure returns (bool) {
        return true;
    }

    function eventOf(address ticket) external view returns (uint256) {
        return ticket == registered ? 1 : 0;
    }

    function fractions() external pure returns (address) {
        return address(0);
    }
}

/**
 * @title MarketGreedyTicket (TEST ONLY)
 * @notice An uncapped "ticket" whose EIP-2981 royalty is the whole sale price.
 */
contract MarketGreedyTicket {
    /// @dev Same layout as IConcertTicket.ResaleTerms.
    struct ResaleTerms {
        address owner;
        bool operatorApproved;
        uint256 cap;
        address royaltyReceiver;
        uint256 royalty;
    }

    function resaleTerms(uint256, address, uint256 salePrice) external view returns (ResaleTerms memory) {
        return ResaleTerms(address(this), false, type(uint256).max, address(this), salePrice);
    }
}
