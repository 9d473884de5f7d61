// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";

/**
 * @title IFractionalTicketOwnership
 * @notice One ERC-1155 vault for all events: a ticket locked here becomes `shares` fraction tokens with
 * id = fractionId(ticket, tokenId).
 */
interface IFractionalTicketOwnership is IERC1155 {
    enum VaultState {
        None,
        Locked, // ticket in the vault, shares circulating
        Redeemed, // one holder of all shares took the ticket back
        BoughtOut, // someone paid the buyout price and took the ticket; shares redeem for the deposit
        Refunded // event cancelled; the refund was pulled from the escrow; shares redeem for it
    }

    struct Vault {
        address ticket;
        uint256 tokenId;
        uint256 totalShares;
        uint256 ticketPrice; // face value of the ticket, wei (the seed's "ticket price per id")
        uint256 buyoutPrice; // wei; set by the fractionalizer
        uint256 payout; // deposit (buyout) or refund to share among holders
        VaultState state;
    }

    event Fractionalized(uint256 indexed id, address indexed ticket, uint256 indexed tokenId, address owner, uint256 shares, uint256 buyoutPrice);
    event Redeemed(uint256 indexed id, address indexed holder);
    event BoughtOut(uint256 indexed id, address indexed buyer, uint256 price);
    event RefundCollected(uint256 indexed id, uint256 amount);
    event SharesCashedOut(uint256 indexed id, address indexed holder, uint256 shares, uint256 amount);

    function fractionalize(address ticket, uint256 tokenId, uint256 shares, uint256 buyoutPrice) external returns (uint256 id);
    function redeem(uint256 id) external;
    function buyout(uint256 id) external payable;
    function collectRefund(uint256 id) external;
    function cashOut(uint256 id) external returns (uint256 amount);

    function fractionId(address ticket, uint256 tokenId) external pure returns (uint256);
    function vault(uint256 id) external view returns (Vault memory);
    function totalSupply(uint256 id) external view returns (uint256);
    function ticketPrice(uint256 id) external view returns (uint256);
}
