// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/**
 * @title BaselineOZTicket
 * @notice Gas baseline (a) for bench/gas.ts — NOT part of the platform. Plain OpenZeppelin ERC721,
 * `_safeMint` in a loop, with the seed's TicketData stored per token "as written" (a struct with two
 * strings in storage). No access control beyond a deployer check, no upgradeability: the cheapest
 * honest version of the seed's design.
 */
contract BaselineOZTicket is ERC721 {
    /// @notice The seed's TicketData, field for field.
    struct TicketData {
        uint256 eventId;
        string seatInfo;
        uint256 price;
        uint256 mintTimestamp;
        bool isFractional;
        uint256 totalFractions;
        address originalOwner;
        string metadataURI;
    }

    address private immutable _owner;
    uint256 public totalMinted;
    uint256 public immutable ticketPrice;
    uint256 public immutable eventId;

    mapping(uint256 tokenId => TicketData) private _tickets;
    mapping(uint256 tokenId => bool) public checkedIn;

    error BaselineNotOwner();
    error BaselineLengthMismatch();
    error BaselineWrongPayment(uint256 expected, uint256 sent);

    constructor(uint256 eventId_, uint256 ticketPrice_) ERC721("Baseline OZ Ticket", "BOZ") {
        _owner = msg.sender;
        eventId = eventId_;
        ticketPrice = ticketPrice_;
    }

    modifier onlyOwner() {
        if (msg.sender != _owner) revert BaselineNotOwner();
        _;
    }

    /// @notice Mints one ticket per seat to `to`, storing the full TicketData of each.
    function mintBatch(address to, string[] calldata seatInfos, string[] calldata uris) external onlyOwner returns (uint256 firstTokenId) {
        if (seatInfos.length != uris.length) revert BaselineLengthMismatch();
        firstTokenId = totalMinted + 1;
        for (uint256 i = 0; i < seatInfos.length; ++i) {
            _mintWithData(to, firstTokenId + i, seatInfos[i], uris[i]);
        }
        totalMinted += seatInfos.length;
    }

    /// @notice Mints one ticket to each recipient, storing the full TicketData of each.
    function mintTo(address[] calldata recipients, string[] calldata seatInfos, string[] calldata uris) external onlyOwner returns (uint256 firstTokenId) {
        if (seatInfos.length != uris.length || recipients.length != uris.length) revert BaselineLengthMismatch();
        firstTokenId = totalMinted + 1;
        for (uint256 i = 0; i < recipients.length; ++i) {
            _mintWithData(recipients[i], firstTokenId + i, seatInfos[i], uris[i]);
        }
        totalMinted += recipients.length;
    }

    /// @notice Plain `_safeMint` loop with no ticket data (cross-check against the NOTES reference figure).
    function mintPlain(address to, uint256 quantity) external onlyOwner returns (uint256 firstTokenId) {
        firstTokenId = totalMinted + 1;
        for (uint256 i = 0; i < quantity; ++i) {
            _safeMint(to, firstTokenId + i);
        }
        totalMinted += quantity;
    }

    /// @notice Public primary sale: exact payment, the money stays in this contract.
    function buy(string[] calldata seatInfos, string[] calldata uris) external payable returns (uint256 firstTokenId) {
        if (seatInfos.length != uris.length) revert BaselineLengthMismatch();
        uint256 expected = ticketPrice * seatInfos.length;
        if (msg.value != expected) revert BaselineWrongPayment(expected, msg.value);
        firstTokenId = totalMinted + 1;
        for (uint256 i = 0; i < seatInfos.length; ++i) {
            _mintWithData(msg.sender, firstTokenId + i, seatInfos[i], uris[i]);
        }
        totalMinted += seatInfos.length;
    }

    /// @notice Marks tickets as used at the door.
    function checkIn(uint256[] calldata tokenIds) external onlyOwner {
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            checkedIn[tokenIds[i]] = true;
        }
    }

    function ticketData(uint256 tokenId) external view returns (TicketData memory) {
        _requireOwned(tokenId);
        return _tickets[tokenId];
    }

    function _mintWithData(address to, uint256 tokenId, string calldata seatInfo, string calldata uri) private {
        _safeMint(to, tokenId);
        _tickets[tokenId] = TicketData({
            eventId: eventId,
            seatInfo: seatInfo,
            price: ticketPrice,
            mintTimestamp: block.timestamp,
            isFractional: false,
            totalFractions: 0,
            originalOwner: to,
            metadataURI: uri
        });
    }
}
