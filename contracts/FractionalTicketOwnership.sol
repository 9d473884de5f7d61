// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {ERC1155Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC1155/ERC1155Upgradeable.sol";
import {ERC2771ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/metatx/ERC2771ContextUpgradeable.sol";
import {ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ContextUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {IConcertTicket} from "./interfaces/IConcertTicket.sol";
import {IFractionalTicketOwnership} from "./interfaces/IFractionalTicketOwnership.sol";
import {IPaymentEscrow} from "./interfaces/IPaymentEscrow.sol";
import {ITicketFactory} from "./interfaces/ITicketFactory.sol";

/**
 * @title FractionalTicketOwnership
 * @notice The platform's fractions vault (one UUPS proxy for every event). The owner of a registered
 * ticket locks it here and receives `shares` ERC-1155 tokens with id = {fractionId}(ticket, tokenId).
 * Life cycle of one id:
 *
 *  - `Locked`: the ticket is in the vault, the shares circulate freely (wallets, marketplace).
 *  - `Redeemed`: one account gathered every share and burned them for the ticket ({redeem}).
 *  - `BoughtOut`: someone paid the buyout price set by the fractionalizer and took the ticket ({buyout});
 *    each holder then burns their shares for their part of that deposit ({cashOut}).
 *  - `Refunded`: the event was cancelled and the vault, as the ticket's holder, pulled the ticket's
 *    refund from the escrow ({collectRefund}); each holder then burns their shares for their part ({cashOut}).
 *    A ticket minted for a card order (`primaryPaid == 0`) has nothing to refund on chain: the vault still
 *    moves to `Refunded`, with a payout of 0, so the shares can be burned and the id closed. The ticket of a
 *    refunded vault stays in the vault (a cancelled event's tickets cannot be transferred).
 *
 * Cash-outs are pro rata (`payout × shares / totalShares`, rounded down); whoever burns the last outstanding
 * shares receives whatever is left, so no dust stays behind. Nobody is paid except by asking (pull payments).
 *
 * Once an id has no shares outstanding (after {redeem}, or after every holder cashed out) the same ticket
 * can be fractionalized again; the vault record is reset.
 *
 * Roles live on the {ITicketFactory}: its `DEFAULT_ADMIN_ROLE` authorises upgrades. The platform's
 * ERC-2771 forwarder (an implementation immutable) may relay every call; `_msgSender()` is the signer.
 *
 * Share transfers are plain ERC-1155 and are not guarded: nothing in this contract's accounting depends on
 * who holds shares between two calls, and every guarded function finishes its bookkeeping before it calls out.
 */
contract FractionalTicketOwnership is
    Initializable,
    ERC1155Upgradeable,
    ERC2771ContextUpgradeable,
    UUPSUpgradeable,
    ReentrancyGuardTransient,
    IFractionalTicketOwnership
{
    using TransientSlot for *;
    using SafeCast for uint256;

    /// @notice Fewest shares a ticket can be split into.
    uint256 public constant MIN_SHARES = 2;
    /// @notice Most shares a ticket can be split into.
    uint256 public constant MAX_SHARES = 1_000_000;

    /**
     * @dev One vault record in four storage slots (the public view {vault} widens it to the interface's
     * {IFractionalTicketOwnership-Vault}). Shares fit in 32 bits (at most {MAX_SHARES}); prices, payout and
     * amount paid out in 128 bits (tier prices are `uint128`; the buyout price is capped at `type(uint128).max`).
     */
    struct VaultRecord {
        address ticket; // slot 0
        VaultState state; // slot 0
        uint32 totalShares; // slot 0: shares minted by fractionalize
        uint32 supply; // slot 0: shares still outstanding (minted − burned)
        uint256 tokenId; // slot 1
        uint128 ticketPrice; // slot 2: face value of the ticket, wei
        uint128 buyoutPrice; // slot 2: wei
        uint128 payout; // slot 3: buyout deposit or refund to share among holders, wei
        uint128 paidOut; // slot 3: part of `payout` already cashed out, wei
    }

    /// @custom:storage-location erc7201:ticketchain.storage.FractionalTicketOwnership
    struct FractionsStorage {
        ITicketFactory factory;
        mapping(uint256 id => VaultRecord) vaults;
    }

    // keccak256(abi.encode(uint256(keccak256("ticketchain.storage.FractionalTicketOwnership")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant FRACTIONS_STORAGE_LOCATION =
        0x2223ef946c82f61f5bb3d75d4433286787f2cd77abf57618a0d34a7c433ef600;

    // keccak256(abi.encode(uint256(keccak256("ticketchain.transient.FractionalTicketOwnership.refundPayer")) - 1)) & ~bytes32(uint256(0xff))
    // Transient: the escrow {collectRefund} is calling, the only sender {receive} accepts, and only meanwhile.
    bytes32 private constant REFUND_PAYER_SLOT = 0x12796e7426f0c12558bea81b75e75d6fa2839939de3c1d59f03be39d89d09900;

    /// @notice `factory` is the zero address.
    error FractionsZeroFactory();
    /// @notice `account` lacks the factory's DEFAULT_ADMIN_ROLE (needed to upgrade).
    error FractionsUnauthorized(address account);
    /// @notice `ticket` is not a ticket contract registered by the factory.
    error FractionsUnknownTicket(address ticket);
    /// @notice `shares` is outside [MIN_SHARES, MAX_SHARES].
    error FractionsInvalidShares(uint256 shares);
    /// @notice `price` is 0 or above `type(uint128).max`.
    error FractionsInvalidBuyoutPrice(uint256 price);
    /// @notice `account` does not own ticket `tokenId` of `ticket` (`owner` does).
    error FractionsNotTicketOwner(address ticket, uint256 tokenId, address account, address owner);
    /// @notice Fraction `id` still has `outstanding` shares from an earlier fractionalization.
    error FractionsSharesOutstanding(uint256 id, uint256 outstanding);
    /// @notice Fraction `id` is in `state`, not `Locked`.
    error FractionsNotLocked(uint256 id, VaultState state);
    /// @notice Redeeming needs every share of `id`: the caller holds `held` of `total`.
    error FractionsNotWholeOwner(uint256 id, uint256 held, uint256 total);
    /// @notice The buyout of `id` costs exactly `expected` wei; `received` was sent.
    error FractionsWrongPayment(uint256 id, uint256 expected, uint256 received);
    /// @notice The event of `ticket` (fraction `id`) is cancelled: no buyout, collect the refund instead.
    error FractionsEventCancelled(uint256 id, address ticket);
    /// @notice The event of `ticket` (fraction `id`) is not cancelled: there is no refund to collect.
    error FractionsEventNotCancelled(uint256 id, address ticket);
    /// @notice Fraction `id` is in `state`: shares cash out only after a buyout or a refund.
    error FractionsNotSettled(uint256 id, VaultState state);
    /// @notice `holder` has no shares of `id`.
    error FractionsNoShares(uint256 id, address holder);
    /// @notice `from` sent `amount` wei outside a refund collection; only the escrow may pay the vault.
    error FractionsUnexpectedPayment(address from, uint256 amount);

    /**
     * @notice Locks the implementation (only proxies are initialised).
     * @param trustedForwarder_ the platform's ERC-2771 forwarder (immutable in the implementation).
     * @custom:oz-upgrades-unsafe-allow constructor
     */
    constructor(address trustedForwarder_) ERC2771ContextUpgradeable(trustedForwarder_) {
        _disableInitializers();
    }

    /**
     * @notice Initialises the proxy.
     * @param factory_ the platform's {ITicketFactory} (registry of ticket contracts, role holder).
     * @param uri_ ERC-1155 metadata URI template (`{id}` is replaced by clients).
     * @dev Requirements: `factory_` is not the zero address; called once, through the proxy.
     */
    function initialize(address factory_, string calldata uri_) external initializer {
        if (factory_ == address(0)) revert FractionsZeroFactory();
        __ERC1155_init(uri_);
        _getFractionsStorage().factory = ITicketFactory(factory_);
    }

    /**
     * @notice Accepts the native coin only from the escrow, while {collectRefund} is claiming a refund.
     * @dev Requirements: the sender is the escrow {collectRefund} is calling, during that call.
     */
    receive() external payable {
        if (msg.sender != REFUND_PAYER_SLOT.asAddress().tload()) revert FractionsUnexpectedPayment(msg.sender, msg.value);
    }

    // ---------------------------------------------------------------------------------------------
    // Life cycle
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IFractionalTicketOwnership
    function fractionalize(
        address ticket,
        uint256 tokenId,
        uint256 shares,
        uint256 buyoutPrice
    ) external nonReentrant returns (uint256 id) {
        FractionsStorage storage $ = _getFractionsStorage();
        if ($.factory.eventOf(ticket) == 0) revert FractionsUnknownTicket(ticket);
        if (shares < MIN_SHARES || shares > MAX_SHARES) revert FractionsInvalidShares(shares);
        if (buyoutPrice == 0 || buyoutPrice > type(uint128).max) revert FractionsInvalidBuyoutPrice(buyoutPrice);

        address owner = _msgSender();
        address current = IConcertTicket(ticket).ownerOf(tokenId);
        if (current != owner) revert FractionsNotTicketOwner(ticket, tokenId, owner, current);

        id = fractionId(ticket, tokenId);
        VaultRecord storage v = $.vaults[id];
        if (v.supply != 0) revert FractionsSharesOutstanding(id, v.supply);

        uint128 facePrice = IConcertTicket(ticket).ticketData(tokenId).price.toUint128();
        // A registered ticket contract (platform code, trusted); its transfer rules apply here.
        IConcertTicket(ticket).transferFrom(owner, address(this), tokenId);

        // Every field is written, so a record left by an earlier (redeemed or settled) round is reset.
        // The casts are safe: shares <= MAX_SHARES < 2^32 and buyoutPrice <= type(uint128).max, checked above.
        $.vaults[id] = VaultRecord({
            ticket: ticket,
            state: VaultState.Locked,
            totalShares: uint32(shares),
            supply: uint32(shares),
            tokenId: tokenId,
            ticketPrice: facePrice,
            buyoutPrice: uint128(buyoutPrice),
            payout: 0,
            paidOut: 0
        });
        emit Fractionalized(id, ticket, tokenId, owner, shares, buyoutPrice);

        _mint(owner, id, shares, "");
    }

    /// @inheritdoc IFractionalTicketOwnership
    function redeem(uint256 id) external nonReentrant {
        VaultRecord storage v = _getFractionsStorage().vaults[id];
        if (v.state != VaultState.Locked) revert FractionsNotLocked(id, v.state);
        address holder = _msgSender();
        uint256 held = balanceOf(holder, id);
        uint256 total = v.supply;
        if (held != total) revert FractionsNotWholeOwner(id, held, total);

        v.supply = 0;
        v.state = VaultState.Redeemed;
        _burn(holder, id, held);
        emit Redeemed(id, holder);

        IConcertTicket(v.ticket).safeTransferFrom(address(this), holder, v.tokenId);
    }

    /// @inheritdoc IFractionalTicketOwnership
    function buyout(uint256 id) external payable nonReentrant {
        VaultRecord storage v = _getFractionsStorage().vaults[id];
        if (v.state != VaultState.Locked) revert FractionsNotLocked(id, v.state);
        if (msg.value != v.buyoutPrice) revert FractionsWrongPayment(id, v.buyoutPrice, msg.value);
        address ticket = v.ticket;
        if (IConcertTicket(ticket).isCancelled()) revert FractionsEventCancelled(id, ticket);

        address buyer = _msgSender();
        v.state = VaultState.BoughtOut;
        // Safe: msg.value == buyoutPrice, a uint128.
        v.payout = uint128(msg.value);
        emit BoughtOut(id, buyer, msg.value);

        IConcertTicket(ticket).safeTransferFrom(address(this), buyer, v.tokenId);
    }

    /// @inheritdoc IFractionalTicketOwnership
    function collectRefund(uint256 id) external nonReentrant {
        VaultRecord storage v = _getFractionsStorage().vaults[id];
        if (v.state != VaultState.Locked) revert FractionsNotLocked(id, v.state);
        address ticket = v.ticket;
        uint256 tokenId = v.tokenId;
        if (!IConcertTicket(ticket).isCancelled()) revert FractionsEventNotCancelled(id, ticket);

        v.state = VaultState.Refunded;
        uint256 amount;
        if (IConcertTicket(ticket).primaryPaid(tokenId) != 0) {
            // The escrow the ticket's sale paid into (cached by the ticket at creation): it holds the refund,
            // even if the factory has since been pointed at another escrow.
            address escrow = IConcertTicket(ticket).escrow();
            uint256 balanceBefore = address(this).balance;
            REFUND_PAYER_SLOT.asAddress().tstore(escrow);
            IPaymentEscrow(escrow).claimRefund(ticket, tokenId);
            REFUND_PAYER_SLOT.asAddress().tstore(address(0));
            amount = address(this).balance - balanceBefore;
        }
        v.payout = amount.toUint128();
        emit RefundCollected(id, amount);
    }

    /// @inheritdoc IFractionalTicketOwnership
    function cashOut(uint256 id) external nonReentrant returns (uint256 amount) {
        VaultRecord storage v = _getFractionsStorage().vaults[id];
        VaultState state = v.state;
        if (state != VaultState.BoughtOut && state != VaultState.Refunded) revert FractionsNotSettled(id, state);
        address holder = _msgSender();
        uint256 shares = balanceOf(holder, id);
        if (shares == 0) revert FractionsNoShares(id, holder);

        uint256 outstanding = v.supply;
        uint256 payout = v.payout;
        uint256 paidOut = v.paidOut;
        // Holders before the last are paid floor(payout × shares / totalShares), so together they take at
        // most payout × (totalShares − outstanding) / totalShares <= payout: the rest cannot underflow.
        amount = shares == outstanding ? payout - paidOut : (payout * shares) / v.totalShares;

        unchecked {
            // shares <= outstanding (balances never exceed the supply) and paidOut + amount <= payout < 2^128.
            v.supply = uint32(outstanding - shares);
            v.paidOut = uint128(paidOut + amount);
        }
        _burn(holder, id, shares);
        emit SharesCashedOut(id, holder, shares, amount);

        if (amount != 0) Address.sendValue(payable(holder), amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IFractionalTicketOwnership
    function fractionId(address ticket, uint256 tokenId) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(ticket, tokenId)));
    }

    /// @inheritdoc IFractionalTicketOwnership
    function vault(uint256 id) external view returns (Vault memory) {
        VaultRecord storage v = _getFractionsStorage().vaults[id];
        return
            Vault({
                ticket: v.ticket,
                tokenId: v.tokenId,
                totalShares: v.totalShares,
                ticketPrice: v.ticketPrice,
                buyoutPrice: v.buyoutPrice,
                payout: v.payout,
                state: v.state
            });
    }

    /// @inheritdoc IFractionalTicketOwnership
    function totalSupply(uint256 id) external view returns (uint256) {
        return _getFractionsStorage().vaults[id].supply;
    }

    /// @inheritdoc IFractionalTicketOwnership
    function ticketPrice(uint256 id) external view returns (uint256) {
        return _getFractionsStorage().vaults[id].ticketPrice;
    }

    /**
     * @notice Wei of the payout of a vault not cashed out yet.
     * @param id the fraction id
     * @return wei left to cash out (0 unless `BoughtOut` or `Refunded`)
     */
    function unpaidPayout(uint256 id) external view returns (uint256) {
        VaultRecord storage v = _getFractionsStorage().vaults[id];
        return v.payout - v.paidOut;
    }

    /// @notice The platform's ticket factory.
    function factory() external view returns (address) {
        return address(_getFractionsStorage().factory);
    }

    /// @inheritdoc ERC1155Upgradeable
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155Upgradeable, IERC165) returns (bool) {
        return interfaceId == type(IFractionalTicketOwnership).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Upgrades need the factory's DEFAULT_ADMIN_ROLE.
    function _authorizeUpgrade(address) internal view override {
        address account = _msgSender();
        if (!_getFractionsStorage().factory.hasRole(0x00, account)) revert FractionsUnauthorized(account);
    }

    function _msgSender() internal view override(ContextUpgradeable, ERC2771ContextUpgradeable) returns (address) {
        return ERC2771ContextUpgradeable._msgSender();
    }

    function _msgData() internal view override(ContextUpgradeable, ERC2771ContextUpgradeable) returns (bytes calldata) {
        return ERC2771ContextUpgradeable._msgData();
    }

    function _contextSuffixLength() internal view override(ContextUpgradeable, ERC2771ContextUpgradeable) returns (uint256) {
        return ERC2771ContextUpgradeable._contextSuffixLength();
    }

    function _getFractionsStorage() private pure returns (FractionsStorage storage $) {
        assembly {
            $.slot := FRACTIONS_STORAGE_LOCATION
        }
    }
}
