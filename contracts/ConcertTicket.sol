// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC2771ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/metatx/ERC2771ContextUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IConcertTicket} from "./interfaces/IConcertTicket.sol";
import {ITicketFactory} from "./interfaces/ITicketFactory.sol";
import {IPaymentEscrow} from "./interfaces/IPaymentEscrow.sol";

/**
 * @title IFractionSupply
 * @notice The one call the ticket makes to the fractions vault (a zero or code-less vault is tolerated).
 */
interface IFractionSupply {
    /**
     * @notice Shares outstanding of a fraction id.
     * @param id the fraction id
     * @return shares outstanding
     */
    function totalSupply(uint256 id) external view returns (uint256 shares);
}

/**
 * @title ConcertTicket
 * @notice One ERC-721 per event, an EIP-1167 clone made and initialised by {TicketFactory}.
 * Tiers have a fixed face value and supply cap; fans buy in the native coin (the payment goes straight
 * to the PaymentEscrow), the platform's minter issues tickets paid by card (each order or batch reference at most
 * once), venue staff check tickets in, the promoter may cancel the event before it starts (refunds are
 * then claimed from the escrow). Resales pay the promoter an EIP-2981 royalty and respect a price cap.
 *
 * @dev A compact ERC-721 written for gas (no ERC721A, no per-token storage at mint):
 *  - `_batches[head]`: one word per run of consecutive tokens minted to one holder in one call:
 *    owner (bits 0-159) | mintedAt (160-199) | tierId (200-207) | paidOnChain (208) | first seat (216-247).
 *    Runs never cross a 128-token boundary (a longer run gets one word per 128 tokens), so the head of a
 *    token is always in the token's own 128-token window. A token is the head of its run when its batch
 *    word is nonzero.
 *  - `_flags[tokenId >> 7]`: two bits per token, bit 2i = "token i heads a run that a later token has to
 *    find", bit 2i+1 = "checked in". A head bit is written only for a run of two or more tokens that does
 *    not start a window: a token without its own batch word belongs to the run of the highest head bit at or
 *    below it, or, with none, to the run that starts its window. One-ticket runs (a batch of distinct
 *    buyers, a one-ticket sale) and window-aligned runs thus never write a flag word at mint; a transfer
 *    reads this one word for both its head and its check-in lock. Word 0 is made nonzero at initialisation
 *    (a head bit for the nonexistent token 0), so the first head bit of window 0 pays a warm update.
 *  - `_owners[tokenId]`: the current owner (bits 0-159) once a token has been transferred or approved
 *    (zero before: the batch owner, who is also the ticket's original owner), and bit 160 = "may have a
 *    token approval", so a transfer reads `_tokenApprovals` only when there can be one to clear.
 *  - `_config`: next token id, start time, cancelled flag, royalty, resale cap and tier count in one slot.
 * Transfers emit one `Transfer` per token (no ERC-2309), so wallets and indexers see every ticket.
 */
contract ConcertTicket is
    IConcertTicket,
    IERC721Metadata,
    IERC4906,
    IERC721Errors,
    ERC2771ContextUpgradeable,
    ReentrancyGuardTransient
{
    /// @notice Role on the factory allowed to mint tickets paid off chain (the server's signer).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice Upper bound on tickets per `buy` call.
    uint256 public constant MAX_PER_PURCHASE = 10;

    struct Config {
        uint64 nextTokenId; // token ids start at 1
        uint64 startsAt;
        bool cancelled;
        uint16 royaltyBps;
        uint16 resaleCapBps; // 0 = uncapped
        uint16 tierCount;
    }

    // Event topics for the assembly emits in the per-token loops (the tests decode these logs with the ABI).
    // keccak256("Transfer(address,address,uint256)")
    bytes32 private constant TRANSFER_EVENT_SIGNATURE =
        0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef;
    // keccak256("TicketCheckedIn(uint256,address)")
    bytes32 private constant CHECKED_IN_EVENT_SIGNATURE =
        0x9d5d33c284ff2f352ea76eadac5ca814eb48f81ef3e7f4fe19c3de4b75eb4b23;
    // keccak256("MetadataUpdate(uint256)")
    bytes32 private constant METADATA_UPDATE_EVENT_SIGNATURE =
        0xf8e1a15aba9398e019f0b49df1a4fde98ee17ae345cb5f6b5e2c27f5033e8ce7;
    // Every even bit of a flag word: the "starts a batch" bits.
    uint256 private constant HEAD_BITS = 0x5555555555555555555555555555555555555555555555555555555555555555;
    uint256 private constant NO_WORD = type(uint256).max;
    uint256 private constant BPS = 10_000;
    uint256 private constant APPROVAL_FLAG = 1 << 160;

    Config private _config;
    address private _factory;
    uint96 private _eventId;
    address private _escrow;
    address private _promoter;
    string private _name;
    string private _baseTokenURI;

    mapping(uint256 tierId => Tier) private _tiers;
    mapping(uint256 firstTokenId => uint256 packed) private _batches;
    mapping(uint256 wordIndex => uint256 bits) private _flags;
    mapping(uint256 tokenId => uint256 ownerAndFlag) private _owners;
    mapping(address owner => uint256) private _balances;
    mapping(uint256 tokenId => address) private _tokenApprovals;
    mapping(address owner => mapping(address operator => bool)) private _operatorApprovals;
    mapping(bytes32 orderRef => uint256 tokenId) private _orders;

    /// @dev `tierId` is not one of the event's tiers.
    error TicketUnknownTier(uint256 tierId);
    /// @dev Fewer than `requested` seats are left in `tierId`.
    error TicketSoldOut(uint256 tierId, uint256 requested, uint256 remaining);
    /// @dev `buy` was not sent exactly the price.
    error TicketWrongPayment(uint256 expected, uint256 received);
    /// @dev `buy` needs 1..MAX_PER_PURCHASE tickets; `mintBatch` at least one.
    error TicketInvalidQuantity(uint256 quantity);
    /// @dev Sales close when the show starts.
    error TicketSalesClosed(uint64 startsAt);
    /// @dev `account` lacks `role` on the factory.
    error TicketUnauthorized(address account, bytes32 role);
    /// @dev `orderRef` (a {mintOrder} order or a {mintBatch} batch) was already minted, from `tokenId` on.
    error TicketOrderAlreadyFulfilled(bytes32 orderRef, uint256 tokenId);
    /// @dev `tokenId` was already checked in.
    error TicketAlreadyCheckedIn(uint256 tokenId);
    /// @dev A checked-in ticket cannot change hands.
    error TicketCheckedInNotTransferable(uint256 tokenId);
    /// @dev The event was cancelled: no sales, transfers or check-ins.
    error TicketEventCancelled(uint256 eventId);
    /// @dev The ticket is held by the fractions vault: redeem it before using it at the door.
    error TicketFractionalized(uint256 tokenId);
    /// @dev An event can be cancelled only before it starts.
    error TicketCancelTooLate(uint64 startsAt);

    /// @notice Locks the implementation: only clones are initialised (by the factory).
    /// @custom:oz-upgrades-unsafe-allow constructor
    /// @param trustedForwarder_ the platform's ERC2771Forwarder; an immutable of this code, so every clone trusts it
    constructor(address trustedForwarder_) ERC2771ContextUpgradeable(trustedForwarder_) {
        _disableInitializers();
    }

    /**
     * @notice Sets up a freshly cloned event contract. Called once, by the factory, in `createEvent`.
     * @param eventId_ the factory's id for this event
     * @param promoter_ the event's promoter (receives proceeds and royalties)
     * @param input the event as given to the factory (validated there)
     * @dev The caller is recorded as the factory, and the factory's current escrow is cached.
     */
    function initialize(uint256 eventId_, address promoter_, ITicketFactory.EventInput calldata input)
        external
        initializer
    {
        _factory = msg.sender;
        _eventId = uint96(eventId_);
        _escrow = ITicketFactory(msg.sender).escrow();
        _promoter = promoter_;
        _name = input.name;
        _baseTokenURI = input.baseURI;
        uint256 tierCount_ = input.tiers.length;
        _config = Config({
            nextTokenId: 1,
            startsAt: input.startsAt,
            cancelled: false,
            royaltyBps: input.royaltyBps,
            resaleCapBps: input.resaleCapBps,
            tierCount: uint16(tierCount_)
        });
        for (uint256 i = 0; i < tierCount_; ++i) {
            _tiers[i] = Tier({price: input.tiers[i].price, supply: input.tiers[i].supply, sold: 0});
        }
        // Head bit of the nonexistent token 0: keeps flag word 0 nonzero (cheaper first mint).
        _flags[0] = 1;
    }

    // ---------------------------------------------------------------------------------------------
    // Sales, issuance, check-in, cancellation
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IConcertTicket
    function buy(uint256 tierId, uint256 quantity) external payable nonReentrant returns (uint256 firstTokenId) {
        if (quantity == 0 || quantity > MAX_PER_PURCHASE) revert TicketInvalidQuantity(quantity);
        address buyer = _msgSender();
        Tier memory t;
        (firstTokenId, t) = _startSale(tierId, quantity);
        uint256 expected = uint256(t.price) * quantity;
        if (msg.value != expected) revert TicketWrongPayment(expected, msg.value);
        uint256 meta = (block.timestamp << 160) | (tierId << 200) | (1 << 208);
        _issue(buyer, firstTokenId, quantity, meta, t.sold + 1);
        emit TicketsPurchased(buyer, tierId, firstTokenId, quantity, msg.value);
        IPaymentEscrow(_escrow).depositPrimary{value: msg.value}(buyer, firstTokenId, quantity);
    }

    /// @inheritdoc IConcertTicket
    function mintBatch(uint256 tierId, address[] calldata recipients, bytes32 batchRef)
        external
        nonReentrant
        returns (uint256 firstTokenId)
    {
        _checkFactoryRole(MINTER_ROLE, _msgSender());
        uint256 quantity = recipients.length;
        if (quantity == 0) revert TicketInvalidQuantity(0);
        Tier memory t;
        (firstTokenId, t) = _startSale(tierId, quantity);
        _recordOrder(batchRef, firstTokenId);
        uint256 metaSeat = (block.timestamp << 160) | (tierId << 200) | ((uint256(t.sold) + 1) << 216);
        uint256 p;
        assembly ("memory-safe") {
            p := recipients.offset
        }
        // Cannot overflow: quantity <= the tier's uint32 supply.
        uint256 end;
        unchecked {
            end = firstTokenId + quantity;
        }
        // The loop stops early only at a zero recipient (the revert undoes the partly written run).
        if (_issueEach(p, firstTokenId, end, metaSeat) != end) revert ERC721InvalidReceiver(address(0));
        emit TicketsIssued(tierId, batchRef, firstTokenId, quantity);
    }

    /// @inheritdoc IConcertTicket
    function mintOrder(uint256 tierId, address to, uint256 quantity, bytes32 orderRef)
        external
        nonReentrant
        returns (uint256 firstTokenId)
    {
        _checkFactoryRole(MINTER_ROLE, _msgSender());
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        if (quantity == 0) revert TicketInvalidQuantity(0);
        Tier memory t;
        (firstTokenId, t) = _startSale(tierId, quantity);
        _recordOrder(orderRef, firstTokenId);
        uint256 meta = (block.timestamp << 160) | (tierId << 200);
        _issue(to, firstTokenId, quantity, meta, t.sold + 1);
        emit OrderIssued(orderRef, to, tierId, firstTokenId, quantity);
    }

    /// @inheritdoc IConcertTicket
    function checkIn(uint256[] calldata tokenIds) external {
        address scanner = _msgSender();
        uint256 eventId_ = _eventId;
        _checkFactoryRole(_scannerRole(eventId_), scanner);
        Config memory c = _config;
        if (c.cancelled) revert TicketEventCancelled(eventId_);
        uint256 flagIndex = NO_WORD;
        uint256 flagWord;
        address vault;
        bool vaultKnown;
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            if (tokenId == 0 || tokenId >= c.nextTokenId) revert ERC721NonexistentToken(tokenId);
            // Tickets reach the vault by transfer, so only a ticket with an owner word can be in it.
            uint256 ownerWord = _owners[tokenId];
            if (ownerWord != 0) {
                if (!vaultKnown) {
                    vault = ITicketFactory(_factory).fractions();
                    vaultKnown = true;
                }
                if (address(uint160(ownerWord)) == vault) revert TicketFractionalized(tokenId);
            }
            uint256 index = tokenId >> 7;
            if (index != flagIndex) {
                if (flagIndex != NO_WORD) _flags[flagIndex] = flagWord;
                flagIndex = index;
                flagWord = _flags[index];
            }
            uint256 bit = 2 << ((tokenId & 127) << 1);
            if (flagWord & bit != 0) revert TicketAlreadyCheckedIn(tokenId);
            flagWord |= bit;
            // emit TicketCheckedIn(tokenId, scanner); emit MetadataUpdate(tokenId); (scratch space only)
            assembly ("memory-safe") {
                log3(0, 0, CHECKED_IN_EVENT_SIGNATURE, tokenId, scanner)
                mstore(0, tokenId)
                log1(0, 32, METADATA_UPDATE_EVENT_SIGNATURE)
            }
        }
        if (flagIndex != NO_WORD) _flags[flagIndex] = flagWord;
    }

    /// @inheritdoc IConcertTicket
    function cancelEvent() external {
        address account = _msgSender();
        uint256 eventId_ = _eventId;
        _checkFactoryRole(_promoterRole(eventId_), account);
        Config memory c = _config;
        if (c.cancelled) revert TicketEventCancelled(eventId_);
        if (block.timestamp >= c.startsAt) revert TicketCancelTooLate(c.startsAt);
        _config.cancelled = true;
        emit EventCancelled(account);
        if (c.nextTokenId > 1) emit BatchMetadataUpdate(1, c.nextTokenId - 1);
    }

    // ---------------------------------------------------------------------------------------------
    // ERC-721
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IERC721
    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _balances[owner];
    }

    /// @inheritdoc IERC721
    function ownerOf(uint256 tokenId) public view returns (address owner) {
        (owner, , ) = _ownership(tokenId);
    }

    /**
     * @notice Moves `tokenId` from `from` to `to`.
     * @param from the current owner
     * @param to the new owner
     * @param tokenId the ticket
     * @dev Requirements: `to` nonzero; `from` owns the token; caller is the owner, approved for the token or
     * an operator of the owner; event not cancelled; ticket not checked in. Emits {Transfer}.
     */
    function transferFrom(address from, address to, uint256 tokenId) public {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        address previousOwner = _update(to, tokenId, _msgSender());
        if (previousOwner != from) revert ERC721IncorrectOwner(from, tokenId, previousOwner);
    }

    /**
     * @notice {transferFrom}, then `onERC721Received` on a contract recipient.
     * @param from the current owner
     * @param to the new owner
     * @param tokenId the ticket
     * @dev Requirements: those of {transferFrom}; a contract recipient accepts the token. Emits {Transfer}.
     */
    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    /**
     * @notice {transferFrom}, then `onERC721Received(operator, from, tokenId, data)` on a contract recipient.
     * @param from the current owner
     * @param to the new owner
     * @param tokenId the ticket
     * @param data passed to `onERC721Received`
     * @dev Requirements: those of {transferFrom}; a contract recipient accepts the token. Emits {Transfer}.
     */
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(_msgSender(), from, to, tokenId, data);
    }

    /**
     * @notice Lets `to` transfer `tokenId` (zero clears the approval).
     * @param to the approved account, or zero
     * @param tokenId the ticket
     * @dev Requirements: the token exists; caller is its owner or an operator of the owner. Emits {Approval}.
     */
    function approve(address to, uint256 tokenId) external {
        (address owner, , ) = _ownership(tokenId);
        address approver = _msgSender();
        if (approver != owner && !_operatorApprovals[owner][approver]) revert ERC721InvalidApprover(approver);
        _tokenApprovals[tokenId] = to;
        if (to != address(0)) _owners[tokenId] = uint256(uint160(owner)) | APPROVAL_FLAG;
        emit Approval(owner, to, tokenId);
    }

    /**
     * @notice Lets `operator` transfer all of the caller's tickets of this event (or revokes it).
     * @param operator the account (e.g. the marketplace or the fractions vault)
     * @param approved true to allow, false to revoke
     * @dev Requirements: `operator` nonzero. Emits {ApprovalForAll}.
     */
    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC721InvalidOperator(operator);
        address owner = _msgSender();
        _operatorApprovals[owner][operator] = approved;
        emit ApprovalForAll(owner, operator, approved);
    }

    /// @inheritdoc IERC721
    function getApproved(uint256 tokenId) external view returns (address) {
        _requireExists(tokenId);
        return _tokenApprovals[tokenId];
    }

    /// @inheritdoc IERC721
    function isApprovedForAll(address owner, address operator) external view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    /// @notice The event's name.
    function name() external view returns (string memory) {
        return _name;
    }

    /// @notice "TICKET".
    function symbol() external pure returns (string memory) {
        return "TICKET";
    }

    /**
     * @notice Metadata URI of a ticket.
     * @param tokenId the ticket
     * @return `baseURI` + token id (empty when the event has no base URI)
     * @dev Requirements: the token exists.
     */
    function tokenURI(uint256 tokenId) public view returns (string memory) {
        _requireExists(tokenId);
        string memory base = _baseTokenURI;
        return bytes(base).length == 0 ? "" : string.concat(base, Strings.toString(tokenId));
    }

    /**
     * @notice ERC-165: ERC-721, ERC-721 metadata, EIP-2981, ERC-4906.
     * @param interfaceId the interface asked about
     * @return true for those four and ERC-165
     */
    function supportsInterface(bytes4 interfaceId) external pure override(IERC165) returns (bool) {
        return interfaceId == type(IERC165).interfaceId || interfaceId == type(IERC721).interfaceId
            || interfaceId == type(IERC721Metadata).interfaceId || interfaceId == type(IERC2981).interfaceId
            || interfaceId == bytes4(0x49064906);
    }

    // ---------------------------------------------------------------------------------------------
    // Ticket views
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice EIP-2981: the promoter receives `salePrice * royaltyBps / 10000` (any ticket).
     * @param salePrice the resale price
     * @return receiver the promoter
     * @return royaltyAmount the royalty on `salePrice`
     */
    function royaltyInfo(uint256, uint256 salePrice) external view returns (address receiver, uint256 royaltyAmount) {
        return (_promoter, (salePrice * _config.royaltyBps) / BPS);
    }

    /// @inheritdoc IConcertTicket
    function resaleCap(uint256 tokenId) external view returns (uint256) {
        (, , uint256 batch) = _ownership(tokenId);
        uint256 capBps = _config.resaleCapBps;
        if (capBps == 0) return type(uint256).max;
        return (uint256(_tiers[uint8(batch >> 200)].price) * capBps) / BPS;
    }

    /// @inheritdoc IConcertTicket
    function resaleTerms(uint256 tokenId, address operator, uint256 salePrice)
        external
        view
        returns (ResaleTerms memory terms)
    {
        (address owner, , uint256 batch) = _ownership(tokenId);
        Config memory c = _config;
        // Only a token with the approval flag can have a token approval (saves a cold read otherwise).
        address approved = _owners[tokenId] & APPROVAL_FLAG != 0 ? _tokenApprovals[tokenId] : address(0);
        terms.owner = owner;
        terms.operatorApproved = operator != address(0)
            && (operator == owner || operator == approved || _operatorApprovals[owner][operator]);
        terms.cap = c.resaleCapBps == 0
            ? type(uint256).max
            : (uint256(_tiers[uint8(batch >> 200)].price) * c.resaleCapBps) / BPS;
        terms.royaltyReceiver = _promoter;
        terms.royalty = (salePrice * c.royaltyBps) / BPS;
    }

    /// @inheritdoc IConcertTicket
    function primaryPaid(uint256 tokenId) external view returns (uint256) {
        (, , uint256 batch) = _ownership(tokenId);
        return (batch >> 208) & 1 == 1 ? _tiers[uint8(batch >> 200)].price : 0;
    }

    /// @inheritdoc IConcertTicket
    function ticketData(uint256 tokenId) external view returns (TicketData memory data) {
        (address owner, uint256 head, uint256 batch) = _ownership(tokenId);
        uint256 tierId = uint8(batch >> 200);
        data.eventId = _eventId;
        data.tierId = tierId;
        data.seatNumber = uint32(batch >> 216) + (tokenId - head);
        data.price = _tiers[tierId].price;
        data.mintedAt = uint40(batch >> 160);
        data.originalOwner = address(uint160(batch));
        data.metadataURI = tokenURI(tokenId);
        data.checkedIn = _isCheckedIn(tokenId);
        data.paidOnChain = (batch >> 208) & 1 == 1;
        address fractions = ITicketFactory(_factory).fractions();
        if (fractions != address(0) && owner == fractions) {
            data.isFractional = true;
            data.totalFractions = _fractionSupply(fractions, tokenId);
        }
    }

    /// @inheritdoc IConcertTicket
    function tier(uint256 tierId) external view returns (Tier memory) {
        if (tierId >= _config.tierCount) revert TicketUnknownTier(tierId);
        return _tiers[tierId];
    }

    /// @inheritdoc IConcertTicket
    function tierCount() external view returns (uint256) {
        return _config.tierCount;
    }

    /// @inheritdoc IConcertTicket
    function tokenForOrder(bytes32 orderRef) external view returns (uint256) {
        return _orders[orderRef];
    }

    /// @inheritdoc IConcertTicket
    function isCheckedIn(uint256 tokenId) external view returns (bool) {
        _requireExists(tokenId);
        return _isCheckedIn(tokenId);
    }

    /// @inheritdoc IConcertTicket
    function isCancelled() external view returns (bool) {
        return _config.cancelled;
    }

    /// @inheritdoc IConcertTicket
    function promoter() external view returns (address) {
        return _promoter;
    }

    /// @inheritdoc IConcertTicket
    function eventId() external view returns (uint256) {
        return _eventId;
    }

    /// @inheritdoc IConcertTicket
    function startsAt() external view returns (uint64) {
        return _config.startsAt;
    }

    /// @inheritdoc IConcertTicket
    function factory() external view returns (address) {
        return _factory;
    }

    /// @inheritdoc IConcertTicket
    function escrow() external view returns (address) {
        return _escrow;
    }

    /// @notice EIP-2981 royalty in basis points.
    function royaltyBps() external view returns (uint16) {
        return _config.royaltyBps;
    }

    /// @notice Resale cap in basis points of face value (0 = uncapped).
    function resaleCapBps() external view returns (uint16) {
        return _config.resaleCapBps;
    }

    /// @inheritdoc IConcertTicket
    function totalMinted() external view returns (uint256) {
        return _config.nextTokenId - 1;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /**
     * @dev The one transfer hook: every transfer goes through here (mints do not: they are batched and
     * checked by {_startSale}). Rules: the token exists; the event is not cancelled; the ticket is not
     * checked in; `auth` is the owner, approved for the token, or an operator of the owner.
     * Clears the token approval, moves the balance, records the new owner, emits {Transfer}.
     */
    function _update(address to, uint256 tokenId, address auth) private returns (address from) {
        Config memory c = _config;
        if (tokenId == 0 || tokenId >= c.nextTokenId) revert ERC721NonexistentToken(tokenId);
        uint256 flagWord = _flags[tokenId >> 7];
        uint256 ownerAndFlag = _owners[tokenId];
        from = address(uint160(ownerAndFlag));
        if (from == address(0)) {
            (, uint256 batch) = _batchOf(tokenId, flagWord);
            from = address(uint160(batch));
        }

        if (c.cancelled) revert TicketEventCancelled(_eventId);
        if (flagWord & (2 << ((tokenId & 127) << 1)) != 0) revert TicketCheckedInNotTransferable(tokenId);
        address approved;
        if (ownerAndFlag & APPROVAL_FLAG != 0) approved = _tokenApprovals[tokenId];
        if (auth != from && auth != approved && !_operatorApprovals[from][auth]) {
            revert ERC721InsufficientApproval(auth, tokenId);
        }

        if (approved != address(0)) delete _tokenApprovals[tokenId];
        // Cannot overflow: `from` holds the token, and balances are bounded by the number of tokens.
        unchecked {
            --_balances[from];
            ++_balances[to];
        }
        _owners[tokenId] = uint160(to); // clears the approval flag
        emit Transfer(from, to, tokenId);
    }

    /**
     * @dev Sales checks shared by {buy} and {mintBatch}; reserves `quantity` seats of `tierId` and token ids.
     * Returns the first token id and the tier as it was before the sale.
     */
    function _startSale(uint256 tierId, uint256 quantity) private returns (uint256 firstTokenId, Tier memory t) {
        Config memory c = _config;
        if (c.cancelled) revert TicketEventCancelled(_eventId);
        if (block.timestamp >= c.startsAt) revert TicketSalesClosed(c.startsAt);
        if (tierId >= c.tierCount) revert TicketUnknownTier(tierId);
        t = _tiers[tierId];
        uint256 remaining = t.supply - t.sold;
        if (quantity > remaining) revert TicketSoldOut(tierId, quantity, remaining);
        firstTokenId = c.nextTokenId;
        // Cannot overflow: quantity <= remaining, so sold stays within the uint32 supply and token ids within
        // the sum of all supplies (< 2^40).
        unchecked {
            _tiers[tierId].sold = uint32(t.sold + quantity);
            _config.nextTokenId = uint64(firstTokenId + quantity);
        }
    }

    /**
     * @dev Mints `quantity` consecutive tokens from `start` to `to`: one batch word per 128-token window,
     * one {Transfer} per token, and a head bit only when the first window's run has two or more tokens and
     * does not start its window (every later window's run starts its window).
     * `meta` holds mintedAt, tierId and paidOnChain; `seat` is the first token's seat number.
     */
    function _issue(address to, uint256 start, uint256 quantity, uint256 meta, uint256 seat) private {
        // Cannot overflow: quantity is bounded by a tier's uint32 supply; ids and seats stay far below 2^64.
        unchecked {
            _balances[to] += quantity;
            uint256 end = start + quantity;
            if (start & 127 != 0 && quantity > 1 && (start | 127) + 1 - start > 1) {
                _flags[start >> 7] |= 1 << ((start & 127) << 1);
            }
            while (true) {
                uint256 windowEnd = (start | 127) + 1;
                if (windowEnd > end) windowEnd = end;
                _batches[start] = uint256(uint160(to)) | meta | (seat << 216);
                assembly ("memory-safe") {
                    for { let id := start } lt(id, windowEnd) { id := add(id, 1) } {
                        log4(0, 0, TRANSFER_EVENT_SIGNATURE, 0, to, id)
                    }
                }
                if (windowEnd == end) break;
                seat += windowEnd - start;
                start = windowEnd;
            }
        }
    }

    /**
     * @dev The loop of {mintBatch}, in assembly: token `id` (from `firstTokenId` up to `end`) goes to the
     * recipient at calldata position `p + 32 * (id - firstTokenId)`. One pass: a batch word where the
     * recipient changes or a 128-token window starts, a head bit when such a run gets its second ticket and
     * does not start a window, the balance of a recipient's tickets added once when they end, each flag word
     * touched at most once, one {Transfer} per ticket. `metaSeat` is the batch word of the first ticket
     * without its owner. Stops early (returns `stoppedAt < end`, having written the run only partly) at a
     * zero recipient: the caller reverts. An address with dirty upper bits reverts, as the ABI decoder
     * would. One assembly block on purpose (the per-ticket loop is the gas budget), hence longer than the
     * 50-line limit.
     */
    function _issueEach(uint256 p, uint256 firstTokenId, uint256 end, uint256 metaSeat) // solhint-disable-line function-max-lines
        private
        returns (uint256 stoppedAt)
    {
        // Memory-safe: only the scratch space (0x00-0x3f) is written, for mapping slot hashes. No overflow:
        // ids, seats and run lengths are bounded by the tier's uint32 supply and the uint64 token counter.
        assembly ("memory-safe") {
            let id := firstTokenId
            let flagIndex := not(0) // NO_WORD: the flag word held in `flagWord` (none yet)
            let flagWord := 0
            let owner := 0 // recipient of the current run (none before the first ticket)
            let owned := 0 // tickets of the current recipient, not yet added to its balance
            let head := 0 // first token of the current run
            for {} lt(id, end) { id := add(id, 1) } {
                let to := calldataload(p)
                if shr(160, to) { revert(0, 0) }
                if iszero(to) { break }
                p := add(p, 0x20)
                switch or(xor(to, owner), iszero(and(id, 127)))
                case 0 {
                    // The run goes on. Its second ticket needs the head bit, unless the run starts a window.
                    if and(eq(id, add(head, 1)), iszero(iszero(and(head, 127)))) {
                        let index := shr(7, head)
                        if xor(index, flagIndex) {
                            mstore(0x20, _flags.slot)
                            if not(flagIndex) {
                                mstore(0x00, flagIndex)
                                sstore(keccak256(0x00, 0x40), flagWord)
                            }
                            flagIndex := index
                            mstore(0x00, index)
                            flagWord := sload(keccak256(0x00, 0x40))
                        }
                        flagWord := or(flagWord, shl(shl(1, and(head, 127)), 1))
                    }
                }
                default {
                    // A new run: another recipient, or the same one entering a new window.
                    head := id
                    mstore(0x00, id)
                    mstore(0x20, _batches.slot)
                    sstore(keccak256(0x00, 0x40), or(to, add(metaSeat, shl(216, sub(id, firstTokenId)))))
                    if xor(to, owner) {
                        if owned {
                            mstore(0x00, owner)
                            mstore(0x20, _balances.slot)
                            let slot := keccak256(0x00, 0x40)
                            sstore(slot, add(sload(slot), owned))
                        }
                        owner := to
                        owned := 0
                    }
                }
                owned := add(owned, 1)
                log4(0, 0, TRANSFER_EVENT_SIGNATURE, 0, to, id)
            }
            stoppedAt := id
            if eq(id, end) {
                mstore(0x00, owner)
                mstore(0x20, _balances.slot)
                let slot := keccak256(0x00, 0x40)
                sstore(slot, add(sload(slot), owned))
                if not(flagIndex) {
                    mstore(0x00, flagIndex)
                    mstore(0x20, _flags.slot)
                    sstore(keccak256(0x00, 0x40), flagWord)
                }
            }
        }
    }

    /// @dev Records a nonzero order / batch reference as minted from `firstTokenId`, once ever.
    function _recordOrder(bytes32 orderRef, uint256 firstTokenId) private {
        if (orderRef == bytes32(0)) return;
        uint256 existing = _orders[orderRef];
        if (existing != 0) revert TicketOrderAlreadyFulfilled(orderRef, existing);
        _orders[orderRef] = firstTokenId;
    }

    /// @dev Owner, batch head and batch word of an existing `tokenId`.
    function _ownership(uint256 tokenId) private view returns (address owner, uint256 head, uint256 batch) {
        _requireExists(tokenId);
        (head, batch) = _batchOf(tokenId, _flags[tokenId >> 7]);
        owner = address(uint160(_owners[tokenId]));
        if (owner == address(0)) owner = address(uint160(batch));
    }

    /**
     * @dev Head and batch word of the run of an existing `tokenId`: the token itself when it has a batch word,
     * else the highest head bit at or below it in its flag word, else the start of its 128-token window.
     */
    function _batchOf(uint256 tokenId, uint256 flagWord) private view returns (uint256 head, uint256 batch) {
        batch = _batches[tokenId];
        if (batch != 0) return (tokenId, batch);
        uint256 position = (tokenId & 127) << 1;
        uint256 heads = flagWord & HEAD_BITS & (type(uint256).max >> (255 - position));
        head = tokenId & ~uint256(127);
        if (heads != 0) head |= Math.log2(heads) >> 1;
        batch = _batches[head];
    }

    function _isCheckedIn(uint256 tokenId) private view returns (bool) {
        return _flags[tokenId >> 7] & (2 << ((tokenId & 127) << 1)) != 0;
    }

    function _requireExists(uint256 tokenId) private view {
        if (tokenId == 0 || tokenId >= _config.nextTokenId) revert ERC721NonexistentToken(tokenId);
    }

    function _checkFactoryRole(bytes32 role, address account) private view {
        if (!IAccessControl(_factory).hasRole(role, account)) revert TicketUnauthorized(account, role);
    }

    /// @dev Shares of the fraction id of `tokenId`, or 0 when the vault does not answer with a number.
    function _fractionSupply(address fractions, uint256 tokenId) private view returns (uint256 supply) {
        uint256 id = uint256(keccak256(abi.encode(address(this), tokenId)));
        (bool ok, bytes memory result) =
            fractions.staticcall(abi.encodeCall(IFractionSupply.totalSupply, (id)));
        if (ok && result.length >= 32) supply = abi.decode(result, (uint256));
    }

    /// @dev Same as {TicketFactory-promoterRole}.
    function _promoterRole(uint256 eventId_) private pure returns (bytes32) {
        return keccak256(abi.encode("PROMOTER", eventId_));
    }

    /// @dev Same as {TicketFactory-scannerRole}.
    function _scannerRole(uint256 eventId_) private pure returns (bytes32) {
        return keccak256(abi.encode("SCANNER", eventId_));
    }
}
