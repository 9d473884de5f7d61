// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ERC2771ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/metatx/ERC2771ContextUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IConcertTicket} from "./interfaces/IConcertTicket.sol";
import {IPaymentEscrow} from "./interfaces/IPaymentEscrow.sol";
import {ITicketFactory} from "./interfaces/ITicketFactory.sol";
import {IFractionalTicketOwnership} from "./interfaces/IFractionalTicketOwnership.sol";

/**
 * @title Marketplace
 * @notice Off-chain order book, on-chain settlement (see {IMarketplace}). A seller signs an EIP-712
 * {IMarketplace-Order} (domain "TicketChain Marketplace", version "1", this proxy's address); a buyer
 * fills it with {fill} or {fillWithPermit}. The buyer's payment goes straight to the platform's
 * {IPaymentEscrow}, credited to the seller, the royalty receiver (EIP-2981 of the ticket) and the
 * platform fee recipient; nobody is paid inside a fill (pull payments).
 *
 * What can be sold:
 *  - a whole ticket: `order.token` is a ticket contract registered by the factory
 *    (`eventOf(token) != 0`), `order.amount == 1` (ERC-721 transfer);
 *  - fractions: `order.token` is the factory's fractions vault, `order.tokenId` a fraction id and
 *    `order.amount` a number of shares; an order may be filled in several parts (ERC-1155 transfer).
 *
 * Resale cap: the ticket's cap (`resaleTerms(tokenId, …).cap`, as `resaleCap(tokenId)`) is denominated in wei, so it can only be enforced on
 * native-coin orders. A capped ticket (cap != type(uint256).max) therefore only trades in the native
 * coin, and an ERC-20 order on it is refused with {MarketplaceResaleCapRequiresNative}; enforcing a wei
 * cap against a stablecoin price would need a price oracle the platform does not have, and accepting it
 * unchecked would let anyone bypass the cap. Uncapped tickets trade in either currency. For fractions
 * the cap applies to the implied price of the whole ticket: `price × totalShares ≤ resaleCap`.
 *
 * Filled marker: a paid whole-ticket order is marked filled by the escrow's record of its seller's credit
 * ({IPaymentEscrow-creditSale}, once per order hash); free orders and fractions are counted here. The escrow
 * is therefore upgraded in place (UUPS), never replaced by another proxy while signed orders are open: in a
 * new escrow, an old order whose seller got the ticket back (and still approves this contract) could be
 * filled again.
 *
 * Upgradeable (UUPS) behind an ERC1967 proxy; state in one ERC-7201 namespaced struct; admin rights
 * and upgrades belong to the factory's DEFAULT_ADMIN_ROLE; ERC-2771 meta-transactions through the one
 * trusted forwarder (`_msgSender()` is the buyer / seller / admin).
 */
contract Marketplace is
    IMarketplace,
    Initializable,
    UUPSUpgradeable,
    EIP712Upgradeable,
    ERC2771ContextUpgradeable,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;

    /// @notice Highest platform fee, in basis points (10 %).
    uint16 public constant MAX_FEE_BPS = 1000;

    /// @notice EIP-712 type hash of {IMarketplace-Order}.
    bytes32 public constant ORDER_TYPEHASH =
        // The type string is fixed by EIP-712 and hashed at compile time (no string at run time).
        // solhint-disable-next-line gas-small-strings
        keccak256(
            "Order(address seller,address token,uint256 tokenId,uint256 amount,uint256 price,address currency,uint64 expiry,uint256 nonce,uint256 salt)"
        );

    uint256 private constant _BPS = 10_000;
    bytes32 private constant _DEFAULT_ADMIN_ROLE = 0x00;

    /// @dev Fill progress of one order, packed in one slot (one SLOAD / SSTORE per fill).
    struct OrderStatus {
        uint248 filled;
        bool cancelled;
    }

    /// @custom:storage-location erc7201:ticketchain.storage.Marketplace
    struct MarketplaceStorage {
        ITicketFactory factory;
        uint16 feeBps;
        address feeRecipient;
        mapping(address currency => bool) allowedCurrencies;
        mapping(address seller => uint256) nonces;
        mapping(bytes32 orderHash => OrderStatus) orders;
    }

    // keccak256(abi.encode(uint256(keccak256("ticketchain.storage.Marketplace")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _STORAGE_LOCATION = 0x555c579b0886ba47ce2e88173dec23bcd54da0a41a50eed080bfe9e8a672aa00;

    /// @dev What a fill settles, gathered once (kept in memory to stay clear of the stack limit).
    struct Settlement {
        bytes32 orderHash;
        address buyer;
        bool whole; // ERC-721 ticket (true) or ERC-1155 fractions (false)
        address ticket; // the ticket contract: `order.token`, or the vault's ticket for fractions
        uint256 ticketId; // the ticket's token id
        uint256 totalShares; // fractions: shares of the vault (0 for a whole ticket)
        uint256 total; // price × amount
        address royaltyReceiver;
        uint256 royalty;
        uint256 fee;
        uint256 cap; // the ticket's resale cap, wei
        address owner; // whole ticket: its holder (from the ticket's resaleTerms)
        bool operatorApproved; // whole ticket: this contract may transfer it
    }

    /// @notice The factory address given to {initialize} is zero.
    error MarketplaceInvalidFactory(address factory);
    /// @notice `account` does not hold the factory's DEFAULT_ADMIN_ROLE.
    error MarketplaceUnauthorized(address account);
    /// @notice The platform fee is above {MAX_FEE_BPS}.
    error MarketplaceFeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    /// @notice The platform fee recipient is the zero address.
    error MarketplaceInvalidFeeRecipient(address recipient);
    /// @notice `currency` is not accepted (or, for {setAllowedCurrency}, cannot be configured: the native coin).
    error MarketplaceUnsupportedCurrency(address currency);
    /// @notice `token` is neither a registered ticket contract nor the fractions vault.
    error MarketplaceUnsupportedToken(address token);
    /// @notice A ticket order must offer exactly one ticket.
    error MarketplaceInvalidTicketAmount(uint256 amount);
    /// @notice The fraction id `id` has no vault.
    error MarketplaceUnknownVault(uint256 id);
    /// @notice The signature is not the seller's (EOA) nor accepted by the seller's contract (ERC-1271).
    error MarketplaceInvalidSignature(bytes32 orderHash, address seller);
    /// @notice The order expired at `expiry`.
    error MarketplaceOrderExpired(bytes32 orderHash, uint64 expiry);
    /// @notice The order's nonce is not the seller's current nonce (bumped with {incrementNonce}).
    error MarketplaceInvalidNonce(address seller, uint256 orderNonce, uint256 currentNonce);
    /// @notice The order was cancelled with {cancel}.
    error MarketplaceOrderCancelled(bytes32 orderHash);
    /// @notice `amount` is zero or more than what is left of the order.
    error MarketplaceInvalidFillAmount(bytes32 orderHash, uint256 amount, uint256 remaining);
    /// @notice The seller cannot fill their own order.
    error MarketplaceBuyerIsSeller(address account);
    /// @notice The native coin sent does not match what the fill costs.
    error MarketplaceIncorrectPayment(uint256 sent, uint256 expected);
    /// @notice The price per unit is above the resale cap per unit.
    error MarketplacePriceAboveCap(uint256 price, uint256 cap);
    /// @notice The ticket has a resale cap (in wei), so it can only be sold for the native coin.
    error MarketplaceResaleCapRequiresNative(address ticket, uint256 tokenId);
    /// @notice Royalty plus platform fee exceed what the buyer pays.
    error MarketplaceFeesExceedTotal(uint256 royalty, uint256 fee, uint256 total);
    /// @notice The seller no longer owns what the order offers, or has not approved the marketplace.
    error MarketplaceSellerCannotDeliver(address seller);
    /// @notice Only the seller may cancel an order.
    error MarketplaceNotSeller(address account, address seller);
    /// @notice {fillWithPermit} needs an ERC-20 order.
    error MarketplacePermitRequiresErc20();
    /// @notice The permit failed and the buyer's allowance does not cover the fill.
    error MarketplacePermitFailed(address currency, uint256 allowance, uint256 needed);

    modifier onlyPlatformAdmin() {
        _checkPlatformAdmin();
        _;
    }

    /// @notice Locks the implementation (only proxies are initialised).
    /// @param trustedForwarder_ the platform's ERC2771Forwarder
    /// @custom:oz-upgrades-unsafe-allow constructor state-variable-immutable
    constructor(address trustedForwarder_) ERC2771ContextUpgradeable(trustedForwarder_) {
        _disableInitializers();
    }

    /**
     * @notice Sets up the proxy.
     * @param factory_ the platform's TicketFactory (registry and role holder)
     * @param feeBps platform fee in basis points
     * @param feeRecipient receives the platform fee (credited in the escrow)
     * @param allowedErc20 the one ERC-20 accepted besides the native coin; address(0) for none
     * @dev Requirements: not initialised yet; `factory_` non-zero; `feeBps` ≤ {MAX_FEE_BPS}; `feeRecipient`
     * non-zero. Emits {PlatformFeeSet} and, when `allowedErc20` is set, {CurrencyAllowed}.
     */
    function initialize(address factory_, uint16 feeBps, address feeRecipient, address allowedErc20) external initializer {
        if (factory_ == address(0)) revert MarketplaceInvalidFactory(factory_);
        __EIP712_init(_EIP712Name(), _EIP712Version());
        _getStorage().factory = ITicketFactory(factory_);
        _setPlatformFee(feeBps, feeRecipient);
        if (allowedErc20 != address(0)) _setAllowedCurrency(allowedErc20, true);
    }

    // ---------------------------------------------------------------------------------------------
    // Trading
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMarketplace
    function fill(Order calldata order, bytes calldata signature, uint256 amount) external payable nonReentrant {
        _fill(order, signature, amount);
    }

    /// @inheritdoc IMarketplace
    function fillWithPermit(
        Order calldata order,
        bytes calldata signature,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        address currency = order.currency;
        if (currency == address(0)) revert MarketplacePermitRequiresErc20();
        if (!_getStorage().allowedCurrencies[currency]) revert MarketplaceUnsupportedCurrency(currency);
        address buyer = _msgSender();
        uint256 total = order.price * amount;
        // A permit can be submitted by anyone; if it was front-run, the allowance it granted still counts.
        // An accepted permit needs nothing more: the success branch is empty.
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(currency).permit(buyer, address(this), total, deadline, v, r, s) {} catch {
            uint256 allowance = IERC20(currency).allowance(buyer, address(this));
            if (allowance < total) revert MarketplacePermitFailed(currency, allowance, total);
        }
        _fill(order, signature, amount);
    }

    /// @inheritdoc IMarketplace
    function cancel(Order calldata order) external {
        address sender = _msgSender();
        if (sender != order.seller) revert MarketplaceNotSeller(sender, order.seller);
        bytes32 hash = _hashOrder(order);
        OrderStatus storage status = _getStorage().orders[hash];
        if (status.cancelled) revert MarketplaceOrderCancelled(hash);
        status.cancelled = true;
        emit OrderCancelled(hash, sender);
    }

    /// @inheritdoc IMarketplace
    function incrementNonce() external returns (uint256 newNonce) {
        address sender = _msgSender();
        // unchecked: a nonce moves by one per transaction; it cannot reach 2^256.
        unchecked {
            newNonce = ++_getStorage().nonces[sender];
        }
        emit NonceIncremented(sender, newNonce);
    }

    // ---------------------------------------------------------------------------------------------
    // Admin (the factory's DEFAULT_ADMIN_ROLE)
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Sets the platform fee.
     * @param feeBps fee in basis points of each sale
     * @param recipient receives the fee (credited in the escrow)
     * @dev Requirements: the caller holds the factory's DEFAULT_ADMIN_ROLE; `feeBps` ≤ {MAX_FEE_BPS};
     * `recipient` non-zero. Emits {PlatformFeeSet}.
     */
    function setPlatformFee(uint16 feeBps, address recipient) external onlyPlatformAdmin {
        _setPlatformFee(feeBps, recipient);
    }

    /**
     * @notice Accepts or refuses an ERC-20 as the currency of orders (the native coin is always accepted).
     * @param currency the ERC-20
     * @param allowed whether orders may be priced in it
     * @dev Requirements: the caller holds the factory's DEFAULT_ADMIN_ROLE; `currency` non-zero.
     * Emits {CurrencyAllowed}.
     */
    function setAllowedCurrency(address currency, bool allowed) external onlyPlatformAdmin {
        if (currency == address(0)) revert MarketplaceUnsupportedCurrency(currency);
        _setAllowedCurrency(currency, allowed);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMarketplace
    function orderHash(Order calldata order) external view returns (bytes32) {
        return _hashOrder(order);
    }

    /// @inheritdoc IMarketplace
    function filled(bytes32 hash) external view returns (uint256) {
        MarketplaceStorage storage $ = _getStorage();
        uint256 units = $.orders[hash].filled;
        if (units != 0) return units;
        (address seller, , ) = IPaymentEscrow($.factory.escrow()).sale(hash);
        return seller == address(0) ? 0 : 1;
    }

    /**
     * @notice Whether an order was cancelled with {cancel}.
     * @param hash the order's EIP-712 hash
     * @return true once cancelled
     */
    function cancelled(bytes32 hash) external view returns (bool) {
        return _getStorage().orders[hash].cancelled;
    }

    /// @inheritdoc IMarketplace
    function nonces(address seller) external view returns (uint256) {
        return _getStorage().nonces[seller];
    }

    /// @inheritdoc IMarketplace
    function platformFee() external view returns (uint16 feeBps, address recipient) {
        MarketplaceStorage storage $ = _getStorage();
        return ($.feeBps, $.feeRecipient);
    }

    /**
     * @notice Whether orders may be priced in an ERC-20.
     * @param currency the ERC-20
     * @return true when allowed
     */
    function isCurrencyAllowed(address currency) external view returns (bool) {
        return _getStorage().allowedCurrencies[currency];
    }

    /// @notice The platform's TicketFactory.
    function factory() external view returns (address) {
        return address(_getStorage().factory);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _fill(Order calldata order, bytes calldata signature, uint256 amount) private {
        MarketplaceStorage storage $ = _getStorage();
        Settlement memory s;
        s.buyer = _msgSender();
        s.orderHash = _hashOrder(order);
        address seller = order.seller;

        // Checks: the order itself.
        if (!SignatureChecker.isValidSignatureNowCalldata(seller, s.orderHash, signature)) {
            revert MarketplaceInvalidSignature(s.orderHash, seller);
        }
        if (block.timestamp > order.expiry) revert MarketplaceOrderExpired(s.orderHash, order.expiry);
        uint256 currentNonce = $.nonces[seller];
        if (order.nonce != currentNonce) revert MarketplaceInvalidNonce(seller, order.nonce, currentNonce);
        OrderStatus memory status = $.orders[s.orderHash];
        if (status.cancelled) revert MarketplaceOrderCancelled(s.orderHash);
        // order.amount ≥ filled always holds: filled only grows by amounts ≤ what remained.
        uint256 remaining = order.amount - status.filled;
        if (amount == 0 || amount > remaining) revert MarketplaceInvalidFillAmount(s.orderHash, amount, remaining);
        if (s.buyer == seller) revert MarketplaceBuyerIsSeller(seller);

        // Checks: payment, asset, cap, fees, delivery.
        s.total = order.price * amount;
        _checkPayment(order.currency, s.total);
        ITicketFactory factory_ = $.factory;
        _resolveAsset(factory_, order, s);
        _readTerms(s);
        _checkCap(order, s);
        _computeFees($, s);
        _checkDelivery(order, s, amount);

        // Effects. A paid whole ticket is marked filled by the escrow: its seller's credit is recorded under the
        // order hash, once ever ({IPaymentEscrow-creditSale}), so no separate slot is written here for it.
        if (!s.whole || s.total == 0) {
            // SafeCast: filled + amount ≤ order.amount, which only an absurd order could push past 2^248.
            $.orders[s.orderHash].filled = SafeCast.toUint248(status.filled + amount);
        }
        emit OrderFilled(s.orderHash, seller, s.buyer, order.token, order.tokenId, amount, s.total, s.royalty, s.fee);

        // Interactions: the payment into the escrow, then the asset to the buyer.
        _settle($, factory_.escrow(), order.currency, seller, s);
        if (s.whole) {
            IERC721(order.token).safeTransferFrom(seller, s.buyer, order.tokenId);
        } else {
            IERC1155(order.token).safeTransferFrom(seller, s.buyer, order.tokenId, amount, "");
        }
    }

    /// @dev Native: exactly the total must come with the call. ERC-20: an allowed one, and no native coin.
    function _checkPayment(address currency, uint256 total) private view {
        if (currency == address(0)) {
            if (msg.value != total) revert MarketplaceIncorrectPayment(msg.value, total);
        } else {
            if (!_getStorage().allowedCurrencies[currency]) revert MarketplaceUnsupportedCurrency(currency);
            if (msg.value != 0) revert MarketplaceIncorrectPayment(msg.value, 0);
        }
    }

    /// @dev Whole ticket or fractions; fills `s.whole`, `s.ticket`, `s.ticketId`.
    function _resolveAsset(ITicketFactory factory_, Order calldata order, Settlement memory s) private view {
        address token = order.token;
        if (factory_.eventOf(token) != 0) {
            if (order.amount != 1) revert MarketplaceInvalidTicketAmount(order.amount);
            s.whole = true;
            s.ticket = token;
            s.ticketId = order.tokenId;
        } else if (token != address(0) && token == factory_.fractions()) {
            IFractionalTicketOwnership.Vault memory v = IFractionalTicketOwnership(token).vault(order.tokenId);
            if (v.totalShares == 0) revert MarketplaceUnknownVault(order.tokenId);
            s.ticket = v.ticket;
            s.ticketId = v.tokenId;
            s.totalShares = v.totalShares;
        } else {
            revert MarketplaceUnsupportedToken(token);
        }
    }

    /// @dev One call to the ticket for its holder, this contract's approval, resale cap and royalty on the total.
    function _readTerms(Settlement memory s) private view {
        IConcertTicket.ResaleTerms memory terms =
            IConcertTicket(s.ticket).resaleTerms(s.ticketId, address(this), s.total);
        s.owner = terms.owner;
        s.operatorApproved = terms.operatorApproved;
        s.cap = terms.cap;
        s.royaltyReceiver = terms.royaltyReceiver;
        s.royalty = terms.royalty;
    }

    /// @dev Resale cap, per unit: the ticket's cap, or for a share the ticket's cap / total shares.
    function _checkCap(Order calldata order, Settlement memory s) private pure {
        uint256 cap = s.cap;
        if (cap == type(uint256).max) return;
        if (order.currency != address(0)) revert MarketplaceResaleCapRequiresNative(s.ticket, s.ticketId);
        // price × totalShares ≤ cap  ⇔  price ≤ ⌊cap / totalShares⌋ (integers), without overflow.
        uint256 capPerUnit = s.whole ? cap : cap / s.totalShares;
        if (order.price > capPerUnit) revert MarketplacePriceAboveCap(order.price, capPerUnit);
    }

    /// @dev The platform fee on the total (the EIP-2981 royalty came with the ticket's resale terms).
    function _computeFees(MarketplaceStorage storage $, Settlement memory s) private view {
        s.fee = (s.total * $.feeBps) / _BPS;
        if (s.royalty + s.fee > s.total) revert MarketplaceFeesExceedTotal(s.royalty, s.fee, s.total);
    }

    /// @dev The seller must still hold the units and have approved this contract (else the transfer would fail later).
    function _checkDelivery(Order calldata order, Settlement memory s, uint256 amount) private view {
        address seller = order.seller;
        if (s.whole) {
            if (s.owner != seller || !s.operatorApproved) revert MarketplaceSellerCannotDeliver(seller);
        } else {
            IERC1155 fractions = IERC1155(order.token);
            if (fractions.balanceOf(seller, order.tokenId) < amount || !fractions.isApprovedForAll(seller, address(this))) {
                revert MarketplaceSellerCannotDeliver(seller);
            }
        }
    }

    /// @dev Moves the payment into the escrow and credits the seller, plus royalty receiver and platform when their
    /// share is non-zero. A whole ticket's seller share is credited under the order hash ({IPaymentEscrow-creditSale}).
    function _settle(MarketplaceStorage storage $, address escrow, address currency, address seller, Settlement memory s) private {
        if (s.total == 0) return; // a free transfer: nothing to pay or credit
        address[] memory payees = new address[](3);
        uint256[] memory amounts = new uint256[](3);
        uint256 n;
        uint256 sellerAmount;
        // unchecked: royalty + fee ≤ total was checked in {_computeFees}; n counts at most 3 entries.
        unchecked {
            sellerAmount = s.total - s.royalty - s.fee;
            if (!s.whole) {
                payees[n] = seller;
                amounts[n] = sellerAmount;
                ++n;
            }
            if (s.royalty != 0) {
                payees[n] = s.royaltyReceiver;
                amounts[n] = s.royalty;
                ++n;
            }
            if (s.fee != 0) {
                payees[n] = $.feeRecipient;
                amounts[n] = s.fee;
                ++n;
            }
        }
        // Shrink both arrays to the entries in use (lengths only go down, so memory stays valid).
        assembly ("memory-safe") {
            mstore(payees, n)
            mstore(amounts, n)
        }
        uint256 value = s.total;
        if (currency != address(0)) {
            IERC20(currency).safeTransferFrom(s.buyer, escrow, s.total);
            value = 0;
        }
        if (s.whole) {
            IPaymentEscrow(escrow).creditSale{value: value}(s.orderHash, currency, seller, sellerAmount, payees, amounts);
        } else {
            IPaymentEscrow(escrow).credit{value: value}(currency, payees, amounts);
        }
    }

    function _hashOrder(Order calldata order) private view returns (bytes32) {
        // Every Order field is a static 32-byte word, so abi.encode(typehash, order) is EIP-712 encodeData.
        return _hashTypedDataV4(keccak256(abi.encode(ORDER_TYPEHASH, order)));
    }

    function _setPlatformFee(uint16 feeBps, address recipient) private {
        if (feeBps > MAX_FEE_BPS) revert MarketplaceFeeTooHigh(feeBps, MAX_FEE_BPS);
        if (recipient == address(0)) revert MarketplaceInvalidFeeRecipient(recipient);
        MarketplaceStorage storage $ = _getStorage();
        $.feeBps = feeBps;
        $.feeRecipient = recipient;
        emit PlatformFeeSet(feeBps, recipient);
    }

    function _setAllowedCurrency(address currency, bool allowed) private {
        _getStorage().allowedCurrencies[currency] = allowed;
        emit CurrencyAllowed(currency, allowed);
    }

    function _checkPlatformAdmin() private view {
        address sender = _msgSender();
        if (!_getStorage().factory.hasRole(_DEFAULT_ADMIN_ROLE, sender)) revert MarketplaceUnauthorized(sender);
    }

    /// @dev Upgrades: the factory's DEFAULT_ADMIN_ROLE only (the modifier is the whole check: empty body).
    function _authorizeUpgrade(address) internal view override onlyPlatformAdmin {} // solhint-disable-line no-empty-blocks

    /// @dev Constant domain name: no storage reads when hashing orders (an override of OpenZeppelin's EIP712,
    /// which fixes the name).
    function _EIP712Name() internal pure override returns (string memory) { // solhint-disable-line func-name-mixedcase
        return "TicketChain Marketplace";
    }

    /// @dev Constant domain version: no storage reads when hashing orders.
    function _EIP712Version() internal pure override returns (string memory) { // solhint-disable-line func-name-mixedcase
        return "1";
    }

    function _getStorage() private pure returns (MarketplaceStorage storage $) {
        assembly {
            $.slot := _STORAGE_LOCATION
        }
    }
}
