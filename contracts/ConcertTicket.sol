// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title ConcertTicket
 * @notice One ERC-721 contract per event, deployed by {TicketFactory} as an EIP-1167 clone.
 * Tickets belong to tiers (face value + supply cap); fans buy in the native coin, the platform's
 * minter issues tickets paid by card. Each order reference can be fulfilled on chain only once,
 * so a retried card mint can never issue a ticket twice.
 */
contract ConcertTicket is ERC721Upgradeable, ReentrancyGuardTransient {
    /// @notice Role on the factory allowed to mint tickets paid off-chain (the server's signer).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice Upper bound on tickets per `buy` call, so a single call cannot drain a tier.
    uint256 public constant MAX_PER_PURCHASE = 10;

    struct Tier {
        uint128 price; // face value in wei
        uint32 supply; // cap
        uint32 sold; // tickets issued so far
    }

    struct TierInput {
        uint128 price;
        uint32 supply;
    }

    /// @notice Everything known about one ticket, returned by {ticketData}.
    struct TicketData {
        uint256 eventId;
        uint256 tierId;
        uint256 seatNumber;
        uint256 price;
        uint256 mintedAt;
        address originalOwner;
    }

    IAccessControl private _factory;
    address private _promoter;
    uint256 private _eventId;
    uint64 private _startsAt;
    string private _baseTokenURI;
    uint256 private _nextTokenId;
    uint256 private _proceeds;

    Tier[] private _tiers;
    // tierId (16 bits) | seatNumber (32 bits) | mintedAt (40 bits) | price (128 bits): one slot per ticket.
    mapping(uint256 tokenId => uint256) private _packedTickets;
    mapping(uint256 tokenId => address) private _originalOwners;
    mapping(bytes32 orderRef => uint256 tokenId) private _fulfilledOrders;

    /// @notice Emitted when tickets are sold on chain for the native coin.
    event TicketsPurchased(address indexed buyer, uint256 indexed tierId, uint256 firstTokenId, uint256 quantity, uint256 paid);
    /// @notice Emitted for each ticket the minter issues against an off-chain order.
    event TicketIssued(uint256 indexed tokenId, uint256 indexed tierId, address indexed to, bytes32 orderRef);
    /// @notice Emitted when the promoter takes the primary-sale proceeds after the show.
    event ProceedsWithdrawn(address indexed promoter, uint256 amount);

    error TicketUnknownTier(uint256 tierId);
    error TicketSoldOut(uint256 tierId, uint256 requested, uint256 remaining);
    error TicketWrongPayment(uint256 expected, uint256 received);
    error TicketInvalidQuantity(uint256 quantity);
    error TicketSalesClosed(uint64 startsAt);
    error TicketUnauthorized(address account);
    error TicketOrderAlreadyFulfilled(bytes32 orderRef, uint256 tokenId);
    error TicketLengthMismatch(uint256 recipients, uint256 orderRefs);
    error TicketEventNotOver(uint64 startsAt);
    error TicketNothingToWithdraw();
    error TicketNonexistent(uint256 tokenId);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Sets up a freshly cloned event contract. Called once by the factory.
     * @param eventId_ the factory's id for this event
     * @param name_ ERC-721 name (the event's name)
     * @param promoter_ account that receives proceeds and manages the event
     * @param startsAt_ unix time of the show; sales close then and proceeds unlock
     * @param baseURI_ metadata base URI
     * @param tiers_ tiers with face value in wei and supply cap
     */
    function initialize(
        uint256 eventId_,
        string calldata name_,
        address promoter_,
        uint64 startsAt_,
        string calldata baseURI_,
        TierInput[] calldata tiers_
    ) external initializer {
        __ERC721_init(name_, "TICKET");
        _factory = IAccessControl(msg.sender);
        _promoter = promoter_;
        _eventId = eventId_;
        _startsAt = startsAt_;
        _baseTokenURI = baseURI_;
        _nextTokenId = 1;
        for (uint256 i = 0; i < tiers_.length; ++i) {
            _tiers.push(Tier({price: tiers_[i].price, supply: tiers_[i].supply, sold: 0}));
        }
    }

    /**
     * @notice Buys `quantity` tickets of `tierId` for exactly `price * quantity` wei.
     * @dev Requirements: sales open, known tier, 1..MAX_PER_PURCHASE tickets, enough seats left,
     * exact payment. Emits {Transfer} per ticket and one {TicketsPurchased}.
     */
    function buy(uint256 tierId, uint256 quantity) external payable nonReentrant returns (uint256 firstTokenId) {
        if (block.timestamp >= _startsAt) revert TicketSalesClosed(_startsAt);
        if (quantity == 0 || quantity > MAX_PER_PURCHASE) revert TicketInvalidQuantity(quantity);
        Tier storage t = _tier(tierId);
        uint256 expected = uint256(t.price) * quantity;
        if (msg.value != expected) revert TicketWrongPayment(expected, msg.value);
        firstTokenId = _issue(tierId, t, msg.sender, quantity);
        _proceeds += msg.value;
        emit TicketsPurchased(msg.sender, tierId, firstTokenId, quantity, msg.value);
    }

    /**
     * @notice Issues one ticket of `tierId` to each recipient, for orders paid off chain.
     * @param orderRefs one unique reference per ticket (the platform's order line id)
     * @dev Requirements: caller holds MINTER_ROLE on the factory; each `orderRefs[i]` never used before.
     * Emits {Transfer} and {TicketIssued} per ticket.
     */
    function mintBatch(uint256 tierId, address[] calldata recipients, bytes32[] calldata orderRefs) external {
        if (!_factory.hasRole(MINTER_ROLE, msg.sender)) revert TicketUnauthorized(msg.sender);
        if (recipients.length != orderRefs.length) revert TicketLengthMismatch(recipients.length, orderRefs.length);
        if (block.timestamp >= _startsAt) revert TicketSalesClosed(_startsAt);
        Tier storage t = _tier(tierId);
        for (uint256 i = 0; i < recipients.length; ++i) {
            uint256 existing = _fulfilledOrders[orderRefs[i]];
            if (existing != 0) revert TicketOrderAlreadyFulfilled(orderRefs[i], existing);
            uint256 tokenId = _issue(tierId, t, recipients[i], 1);
            _fulfilledOrders[orderRefs[i]] = tokenId;
            emit TicketIssued(tokenId, tierId, recipients[i], orderRefs[i]);
        }
    }

    /**
     * @notice Sends the primary-sale proceeds to the promoter once the show has started.
     * @dev Requirements: caller is the promoter; `block.timestamp >= startsAt`; proceeds > 0.
     * Emits {ProceedsWithdrawn}.
     */
    function withdrawProceeds() external nonReentrant {
        if (msg.sender != _promoter) revert TicketUnauthorized(msg.sender);
        if (block.timestamp < _startsAt) revert TicketEventNotOver(_startsAt);
        uint256 amount = _proceeds;
        if (amount == 0) revert TicketNothingToWithdraw();
        _proceeds = 0;
        emit ProceedsWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @notice All stored facts about `tokenId`.
    function ticketData(uint256 tokenId) external view returns (TicketData memory data) {
        uint256 packed = _packedTickets[tokenId];
        if (packed == 0) revert TicketNonexistent(tokenId);
        data = TicketData({
            eventId: _eventId,
            tierId: packed & 0xffff,
            seatNumber: (packed >> 16) & 0xffffffff,
            mintedAt: (packed >> 48) & 0xffffffffff,
            price: packed >> 88,
            originalOwner: _originalOwners[tokenId]
        });
    }

    /// @notice Token id minted for an off-chain order, or 0 when not yet fulfilled.
    function tokenForOrder(bytes32 orderRef) external view returns (uint256) {
        return _fulfilledOrders[orderRef];
    }

    /// @notice Face value, cap and sold count of `tierId`.
    function tier(uint256 tierId) external view returns (Tier memory) {
        return _tier(tierId);
    }

    /// @notice Number of tiers.
    function tierCount() external view returns (uint256) {
        return _tiers.length;
    }

    /// @notice Event facts: factory id, promoter, start time, proceeds held.
    function eventInfo() external view returns (uint256 eventId, address promoter, uint64 startsAt, uint256 proceeds) {
        return (_eventId, _promoter, _startsAt, _proceeds);
    }

    /// @notice Number of tickets issued so far.
    function totalMinted() external view returns (uint256) {
        return _nextTokenId - 1;
    }

    function _issue(uint256 tierId, Tier storage tier_, address to, uint256 quantity) private returns (uint256 first) {
        uint256 remaining = tier_.supply - tier_.sold;
        if (quantity > remaining) revert TicketSoldOut(tierId, quantity, remaining);
        first = _nextTokenId;
        uint256 seat = tier_.sold;
        // Cannot overflow: quantity <= remaining <= type(uint32).max, so sold stays within its cap.
        unchecked {
            tier_.sold = uint32(seat + quantity);
            _nextTokenId = first + quantity;
        }
        uint256 head = tierId | (block.timestamp << 48) | (uint256(tier_.price) << 88);
        for (uint256 i = 0; i < quantity; ++i) {
            uint256 tokenId = first + i;
            _packedTickets[tokenId] = head | ((seat + i + 1) << 16);
            _originalOwners[tokenId] = to;
            _mint(to, tokenId);
        }
    }

    function _tier(uint256 tierId) private view returns (Tier storage) {
        if (tierId >= _tiers.length) revert TicketUnknownTier(tierId);
        return _tiers[tierId];
    }

    function _baseURI() internal view override returns (string memory) {
        return _baseTokenURI;
    }
}
