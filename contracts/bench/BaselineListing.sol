// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/**
 * @title BaselineListing
 * @notice Gas baseline (c) for bench/gas.ts — NOT part of the platform. The minimal approval-based
 * listing: the seller approves this contract and lists; a buyer pays the exact price, the seller is
 * paid directly and the NFT moves with `transferFrom`. No fee, no royalty, no cap, no signatures.
 */
contract BaselineListing {
    struct Listing {
        address seller;
        uint96 price; // wei
    }

    mapping(address token => mapping(uint256 tokenId => Listing)) public listings;

    event Listed(address indexed token, uint256 indexed tokenId, address indexed seller, uint256 price);
    event Sold(address indexed token, uint256 indexed tokenId, address indexed buyer, uint256 price);

    error BaselineNotSeller();
    error BaselineNotListed();
    error BaselineWrongPayment(uint256 expected, uint256 sent);
    error BaselinePaymentFailed();

    function list(address token, uint256 tokenId, uint96 price) external {
        if (IERC721(token).ownerOf(tokenId) != msg.sender) revert BaselineNotSeller();
        listings[token][tokenId] = Listing(msg.sender, price);
        emit Listed(token, tokenId, msg.sender, price);
    }

    function buy(address token, uint256 tokenId) external payable {
        Listing memory l = listings[token][tokenId];
        if (l.seller == address(0)) revert BaselineNotListed();
        if (msg.value != l.price) revert BaselineWrongPayment(l.price, msg.value);
        delete listings[token][tokenId];
        IERC721(token).transferFrom(l.seller, msg.sender, tokenId);
        (bool ok, ) = l.seller.call{value: msg.value}("");
        if (!ok) revert BaselinePaymentFailed();
        emit Sold(token, tokenId, msg.sender, msg.value);
    }
}
