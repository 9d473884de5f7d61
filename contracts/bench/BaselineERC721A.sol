// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721A} from "erc721a/contracts/ERC721A.sol";

/**
 * @title BaselineERC721A
 * @notice Gas baseline (b) for bench/gas.ts — NOT part of the platform. ERC721A (erc721a@4.3.0) with
 * no ticket data at all: the floor for batch minting.
 */
contract BaselineERC721A is ERC721A {
    address private immutable _owner;
    uint256 public immutable ticketPrice;

    mapping(uint256 tokenId => bool) public checkedIn;

    error BaselineNotOwner();
    error BaselineWrongPayment(uint256 expected, uint256 sent);

    constructor(uint256 ticketPrice_) ERC721A("Baseline ERC721A Ticket", "B721A") {
        _owner = msg.sender;
        ticketPrice = ticketPrice_;
    }

    modifier onlyOwner() {
        if (msg.sender != _owner) revert BaselineNotOwner();
        _;
    }

    /// @notice `_mint(to, quantity)`: one ownership slot for the whole batch.
    function mintBatch(address to, uint256 quantity) external onlyOwner returns (uint256 firstTokenId) {
        firstTokenId = _nextTokenId();
        _mint(to, quantity);
    }

    /// @notice One `_mint(recipient, 1)` per recipient.
    function mintTo(address[] calldata recipients) external onlyOwner returns (uint256 firstTokenId) {
        firstTokenId = _nextTokenId();
        for (uint256 i = 0; i < recipients.length; ++i) {
            _mint(recipients[i], 1);
        }
    }

    /// @notice Public primary sale: exact payment, the money stays in this contract.
    function buy(uint256 quantity) external payable returns (uint256 firstTokenId) {
        uint256 expected = ticketPrice * quantity;
        if (msg.value != expected) revert BaselineWrongPayment(expected, msg.value);
        firstTokenId = _nextTokenId();
        _mint(msg.sender, quantity);
    }

    /// @notice Marks tickets as used at the door.
    function checkIn(uint256[] calldata tokenIds) external onlyOwner {
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            checkedIn[tokenIds[i]] = true;
        }
    }

    function _startTokenId() internal pure override returns (uint256) {
        return 1;
    }
}
