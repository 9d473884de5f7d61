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
    // A memory return value, never stored: slot packing would save nothing.
    // solhint-disable-next-line gas-struct-packing
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

    /// @notice A tier of the event: face value (wei), supply cap and tickets sold so far.
    struct Tier {
        uint128 price;
        uint32 supply;
        uint32 sold;
    }

    /**
     * @notice `buyer` bought `quantity` tickets of `tierId`, tokens `firstTokenId..`, paying `paid` wei.
     * @param buyer who paid (and holds the tickets)
     * @param tierId the tier bought
     * @param firstTokenId the first of the consecutive token ids bought
     * @param quantity tickets bought
     * @param paid wei paid into the escrow
     */
    event TicketsPurchased(address indexed buyer, uint256 indexed tierId, uint256 firstTokenId, uint256 quantity, uint256 paid);
    /**
     * @notice `quantity` tickets `firstTokenId..` minted by {mintBatch} under `batchRef` (bytes32(0): no
     * reference, e.g. complimentary tickets); ticket i went to the `to` of its `Transfer` event.
     * @param tierId the tier issued
     * @param batchRef the batch reference (recorded once when nonzero)
     * @param firstTokenId the first token id of the batch
     * @param quantity tickets in the batch
     */
    event TicketsIssued(uint256 indexed tierId, bytes32 indexed batchRef, uint256 firstTokenId, uint256 quantity);
    /**
     * @notice One card order of `quantity` tickets for one holder, minted by {mintOrder}.
     * @param orderRef the order reference (recorded once when nonzero)
     * @param to the holder
     * @param tierId the tier issued
     * @param firstTokenId the first token id of the order
     * @param quantity tickets in the order
     */
    event OrderIssued(bytes32 indexed orderRef, address indexed to, uint256 indexed tierId, uint256 firstTokenId, uint256 quantity);
    /**
     * @notice `tokenId` was checked in at the door by `scanner`.
     * @param tokenId the ticket
     * @param scanner the venue staff account that scanned it
     */
    event TicketCheckedIn(uint256 indexed tokenId, address indexed scanner);
    /**
     * @notice The promoter cancelled the event: sales, transfers and check-ins stop, refunds open.
     * @param by the account that cancelled
     */
    event EventCancelled(address indexed by);

    /**
     * @notice Buys `quantity` tickets of `tierId` for exactly `price * quantity` wei, paid into the escrow.
     * @param tierId the tier
     * @param quantity 1..MAX_PER_PURCHASE
     * @return firstTokenId the first of the consecutive token ids bought
     * @dev Requirements: event not cancelled; before `startsAt`; known tier; enough seats left; exact payment.
     * Emits {Transfer} per ticket, {TicketsPurchased}, and the escrow's {IPaymentEscrow-PrimaryDeposited}.
     */
    function buy(uint256 tierId, uint256 quantity) external payable returns (uint256 firstTokenId);
    /**
     * @notice Issues one ticket of `tierId` to each recipient, for one batch of orders paid off chain (by
     * card). Consecutive equal recipients share one storage word.
     * @param tierId the tier
     * @param recipients one entry per ticket
     * @param batchRef the platform's reference for the whole batch (e.g. the mint job id); a nonzero reference
     * can be minted only once, ever ({tokenForOrder} returns the batch's `firstTokenId`). bytes32(0) means
     * "no reference" (complimentary tickets): nothing recorded.
     * @return firstTokenId ticket i goes to `recipients[i]` as token `firstTokenId + i`
     * @dev Requirements: caller is an authorized minter (MINTER_ROLE on the factory); at least one recipient;
     * no zero recipient; event not cancelled; before `startsAt`; known tier; enough seats left; `batchRef`
     * not used before.
     * Emits {Transfer} per ticket and {TicketsIssued} (the recipients are in the Transfer events).
     */
    function mintBatch(uint256 tierId, address[] calldata recipients, bytes32 batchRef) external returns (uint256 firstTokenId);
    /**
     * @notice Issues `quantity` tickets of `tierId` to `to` for one order paid off chain (a card checkout of
     * several tickets): one order reference for all of them, one storage word per 128 tickets.
     * @param tierId the tier
     * @param to the buyer
     * @param quantity tickets in the order (at least one)
     * @param orderRef the platform's order id, minted only once, ever; bytes32(0) = no reference
     * @return firstTokenId the order's tickets are `firstTokenId .. firstTokenId + quantity - 1`
     * ({tokenForOrder} returns `firstTokenId`)
     * @dev Requirements: caller is an authorized minter (MINTER_ROLE on the factory); `to` nonzero;
     * `quantity` nonzero; event not cancelled; before `startsAt`; known tier; enough seats left; `orderRef`
     * not used before.
     * Emits {Transfer} per ticket and {OrderIssued}.
     */
    function mintOrder(uint256 tierId, address to, uint256 quantity, bytes32 orderRef) external returns (uint256 firstTokenId);
    /**
     * @notice Marks tickets as used at the door; a checked-in ticket can no longer be transferred.
     * @param tokenIds the tickets scanned
     * @dev Requirements: caller holds scannerRole(eventId) on the factory; event not cancelled; every
     * token exists, is not checked in yet (nor listed twice) and is not held by the fractions vault (a
     * checked-in ticket could never leave the vault).
     * Emits {TicketCheckedIn} and {IERC4906-MetadataUpdate} per ticket.
     */
    function checkIn(uint256[] calldata tokenIds) external;
    /**
     * @notice Cancels the event: sales, transfers and check-ins stop, refunds open in the escrow.
     * @dev Requirements: caller holds promoterRole(eventId) on the factory; not cancelled yet; before `startsAt`
     * (once the show has started the promoter may already have withdrawn the proceeds).
     * Emits {EventCancelled} and, when tickets exist, {BatchMetadataUpdate} over all of them.
     */
    function cancelEvent() external;

    /**
     * @notice Everything known about `tokenId`.
     * @param tokenId the ticket
     * @return data the seed's TicketData plus tier, check-in and payment facts
     * @dev Requirements: the token exists (else {IERC721Errors-ERC721NonexistentToken}).
     */
    function ticketData(uint256 tokenId) external view returns (TicketData memory data);
    /**
     * @notice Face value, supply cap and tickets sold of `tierId`.
     * @param tierId the tier
     * @return info the tier
     * @dev Requirements: `tierId` < {tierCount}.
     */
    function tier(uint256 tierId) external view returns (Tier memory info);
    /**
     * @notice Number of tiers (ids 0 .. count - 1).
     * @return count the number of tiers
     */
    function tierCount() external view returns (uint256 count);
    /**
     * @notice First token minted under an order or batch reference.
     * @param orderRef a {mintOrder} order reference or a {mintBatch} batch reference
     * @return tokenId the first token of that order or batch, 0 when not minted
     */
    function tokenForOrder(bytes32 orderRef) external view returns (uint256 tokenId);
    /**
     * @notice Whether `tokenId` was checked in.
     * @param tokenId the ticket
     * @return checkedIn true once scanned at the door
     * @dev Requirements: the token exists.
     */
    function isCheckedIn(uint256 tokenId) external view returns (bool checkedIn);
    /**
     * @notice Whether the promoter cancelled the event.
     * @return cancelled true after {cancelEvent}
     */
    function isCancelled() external view returns (bool cancelled);
    /**
     * @notice Highest resale price the marketplace accepts for `tokenId`.
     * @param tokenId the ticket
     * @return cap wei; type(uint256).max when uncapped
     */
    function resaleCap(uint256 tokenId) external view returns (uint256 cap);
    /**
     * @notice Owner, whether `operator` may transfer it, resale cap and EIP-2981 royalty on `salePrice` of
     * `tokenId`, in one call (what {resaleCap}, {royaltyInfo}, {ownerOf}, {getApproved} and
     * {isApprovedForAll} answer one by one).
     * @param tokenId the ticket
     * @param operator the account that would transfer it (the marketplace)
     * @param salePrice the sale price the royalty is computed on
     * @return terms owner, operator approval, cap, royalty receiver and amount
     */
    function resaleTerms(uint256 tokenId, address operator, uint256 salePrice) external view returns (ResaleTerms memory terms);
    /**
     * @notice Wei paid on chain for `tokenId` at the primary sale.
     * @param tokenId the ticket
     * @return paid the tier's face value when bought with {buy}; 0 for card-minted tickets
     */
    function primaryPaid(uint256 tokenId) external view returns (uint256 paid);
    /**
     * @notice The event's promoter (EIP-2981 receiver, proceeds payee).
     * @return account the promoter
     */
    function promoter() external view returns (address account);
    /**
     * @notice The factory's id for this event.
     * @return id the event id
     */
    function eventId() external view returns (uint256 id);
    /**
     * @notice Unix time of the show: sales close, proceeds unlock.
     * @return time the start time
     */
    function startsAt() external view returns (uint64 time);
    /**
     * @notice The factory that created this event.
     * @return account the factory
     */
    function factory() external view returns (address account);
    /**
     * @notice The PaymentEscrow this event pays into (the factory's escrow when the event was created).
     * @return account the escrow
     */
    function escrow() external view returns (address account);
    /**
     * @notice Number of tickets issued so far (token ids 1..totalMinted).
     * @return count tickets minted
     */
    function totalMinted() external view returns (uint256 count);
}
