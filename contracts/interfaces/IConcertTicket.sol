// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";

/**
 * @title IConcertTicket
 * @notice One ERC-721 per event (an EIP-1167 clone made by the factory). What the marketplace, the
 * fractions vault, the escrow and the app rely on.
 */
interface IConcertTicket is IERC721, IERC2981 {
    /// @notice Everything known about one ticket (the seed's TicketData), assembled by {ticketData}.
    struct TicketData {
        uint256 eventId;
        uint256 tierId;
        uint256 seatNumber; // 1-based within its tier
        uint256 price; // face value of the tier, wei
        uint256 mintedAt; // unix time
        bool isFractional; // held by the fractions vault
        uint256 totalFractions; // shares outstanding when fractional, else 0
        address originalOwner; // first holder
        string metadataURI;
        bool checkedIn;
        bool paidOnChain; // bought with `buy` (refundable on chain) rather than minted for a card order
    }

    /// @notice What a marketplace needs to settle a resale of one ticket, from one call ({resaleTerms}).
    struct ResaleTerms {
        address owner; // current holder
        bool operatorApproved; // the operator asked about may transfer the ticket (owner, token approval or operator)
        uint256 cap; // highest resale price in wei; type(uint256).max when uncapped
        address royaltyReceiver; // EIP-2981 receiver (the promoter)
        uint256 royalty; // EIP-2981 royalty on the sale price
    }

    struct Tier {
        uint128 price;
        uint32 supply;
        uint32 sold;
    }

    event TicketsPurchased(address indexed buyer, uint256 indexed tierId, uint256 firstTokenId, uint256 quantity, uint256 paid);
    /// @notice `quantity` tickets `firstTokenId..` minted by {mintBatch} under `batchRef` (bytes32(0): no
    /// reference, e.g. complimentary tickets); ticket i went to the `to` of its `Transfer` event.
    event TicketsIssued(uint256 indexed tierId, bytes32 indexed batchRef, uint256 firstTokenId, uint256 quantity);
    /// @notice One card order of `quantity` tickets for one holder, minted by {mintOrder}.
    event OrderIssued(bytes32 indexed orderRef, address indexed to, uint256 indexed tierId, uint256 firstTokenId, uint256 quantity);
    event TicketCheckedIn(uint256 indexed tokenId, address indexed scanner);
    event EventCancelled(address indexed by);

    function buy(uint256 tierId, uint256 quantity) external payable returns (uint256 firstTokenId);
    function mintBatch(uint256 tierId, address[] calldata recipients, bytes32 batchRef) external returns (uint256 firstTokenId);
    function mintOrder(uint256 tierId, address to, uint256 quantity, bytes32 orderRef) external returns (uint256 firstTokenId);
    function checkIn(uint256[] calldata tokenIds) external;
    function cancelEvent() external;

    function ticketData(uint256 tokenId) external view returns (TicketData memory);
    function tier(uint256 tierId) external view returns (Tier memory);
    function tierCount() external view returns (uint256);
    function tokenForOrder(bytes32 orderRef) external view returns (uint256);
    function isCheckedIn(uint256 tokenId) external view returns (bool);
    function isCancelled() external view returns (bool);
    /// @notice Highest resale price the marketplace accepts for `tokenId`, wei; type(uint256).max when uncapped.
    function resaleCap(uint256 tokenId) external view returns (uint256);
    /// @notice Owner, whether `operator` may transfer it, resale cap and EIP-2981 royalty on `salePrice` of
    /// `tokenId`, in one call (what {resaleCap}, {royaltyInfo}, {ownerOf}, {getApproved} and
    /// {isApprovedForAll} answer one by one).
    function resaleTerms(uint256 tokenId, address operator, uint256 salePrice) external view returns (ResaleTerms memory);
    /// @notice Wei paid on chain for `tokenId` at the primary sale (0 for card-minted tickets).
    function primaryPaid(uint256 tokenId) external view returns (uint256);
    function promoter() external view returns (address);
    function eventId() external view returns (uint256);
    function startsAt() external view returns (uint64);
    function factory() external view returns (address);
    /// @notice The PaymentEscrow this event pays into (the factory's escrow when the event was created).
    function escrow() external view returns (address);
    function totalMinted() external view returns (uint256);
}
