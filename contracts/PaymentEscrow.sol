// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC2771ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/metatx/ERC2771ContextUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPaymentEscrow} from "./interfaces/IPaymentEscrow.sol";
import {ITicketFactory} from "./interfaces/ITicketFactory.sol";
import {IConcertTicket} from "./interfaces/IConcertTicket.sol";

/**
 * @title PaymentEscrow
 * @notice Holds the platform's money until it is owed and pays it only when the payee asks (pull payments):
 * primary-sale proceeds per ticket contract (to the promoter once the show has started), refunds per ticket
 * when an event is cancelled (to the current holder, exactly what was paid on chain, once), and marketplace
 * credits per payee and currency (a whole-ticket resale's seller share per order hash, see {creditSale}).
 * Invariant, per currency: balance held == {totalOwed}.
 *
 * Upgradeable (UUPS behind an ERC1967Proxy, upgrades authorised by the factory's DEFAULT_ADMIN_ROLE);
 * state in one ERC-7201 namespace; meta-transactions from the platform's forwarder are honoured for
 * every payee-facing function (`withdrawProceeds`, `claimRefund`, `withdraw`).
 */
contract PaymentEscrow is IPaymentEscrow, UUPSUpgradeable, ERC2771ContextUpgradeable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @custom:storage-location erc7201:ticketchain.storage.PaymentEscrow
    struct EscrowStorage {
        ITicketFactory factory;
        address allowedToken;
        mapping(address ticket => uint256) proceeds;
        mapping(address payee => mapping(address currency => uint256)) credits;
        mapping(address ticket => mapping(uint256 tokenId => bool)) refunded;
        mapping(address currency => uint256) totalOwed;
        // Whole-ticket resales: seller (bits 0-159) | amount still owed (160-255), per marketplace order hash.
        // The seller bits stay after withdrawal (a tombstone), so an order hash is credited once, ever.
        mapping(bytes32 orderHash => uint256 sellerAndAmount) sales;
        // ERC-20 of a sale (absent = native coin).
        mapping(bytes32 orderHash => address currency) saleCurrencies;
    }

    // keccak256(abi.encode(uint256(keccak256("ticketchain.storage.PaymentEscrow")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant ESCROW_STORAGE_LOCATION =
        0x4395512801a2940a7f2a93c0f89a006b7ba90898cff9055fe629cfa087424d00;

    /// @dev `account` lacks `role` on the factory.
    error EscrowUnauthorized(address account, bytes32 role);
    /// @dev `ticket` was not created by the factory.
    error EscrowUnknownTicket(address ticket);
    /// @dev Only the event's promoter withdraws its proceeds.
    error EscrowNotPromoter(address account, address promoter);
    /// @dev Proceeds unlock when the show starts.
    error EscrowEventNotStarted(address ticket, uint64 startsAt);
    /// @dev A cancelled event's proceeds are refunds.
    error EscrowEventCancelled(address ticket);
    /// @dev Refunds exist only for cancelled events.
    error EscrowEventNotCancelled(address ticket);
    /// @dev Only the current holder of the ticket claims its refund.
    error EscrowNotTicketHolder(address account, address holder);
    /// @dev The refund of this ticket was already paid.
    error EscrowAlreadyRefunded(address ticket, uint256 tokenId);
    /// @dev The ticket was not paid on chain (card orders are refunded off chain).
    error EscrowNothingToRefund(address ticket, uint256 tokenId);
    /// @dev Nothing is owed to the caller.
    error EscrowNothingToWithdraw(address account, address currency);
    /// @dev Only the marketplace credits payees.
    error EscrowNotMarketplace(address account);
    /// @dev Neither the native coin nor the allowed ERC-20.
    error EscrowCurrencyNotAllowed(address currency);
    /// @dev `payees` and `amounts` differ in length.
    error EscrowLengthMismatch(uint256 payees, uint256 amounts);
    /// @dev Credits to the zero address could never be withdrawn.
    error EscrowInvalidPayee(address payee);
    /// @dev The native value sent is not the sum credited (or is nonzero for an ERC-20 credit).
    error EscrowWrongPayment(uint256 expected, uint256 received);
    /// @dev After crediting, the escrow's ERC-20 balance does not cover what it owes in that token.
    error EscrowUnbackedCredit(address currency, uint256 balance, uint256 owed);
    /// @dev A whole-ticket sale is credited once per order hash (the seller's record is its "filled" marker).
    error EscrowSaleAlreadyCredited(bytes32 orderHash);
    /// @dev Only the seller of a sale withdraws it (`seller` is zero for an unknown order hash).
    error EscrowNotSeller(bytes32 orderHash, address account, address seller);
    /// @dev The sale's credit was already paid out.
    error EscrowSaleAlreadyWithdrawn(bytes32 orderHash);
    /// @dev One `withdrawSales` call pays one currency: `orderHash` is in `actual`, the first one in `expected`.
    error EscrowCurrencyMismatch(bytes32 orderHash, address expected, address actual);
    /// @dev An address that must be set is zero.
    error EscrowInvalidAddress(address account);

    /// @notice Locks the implementation (only proxies are initialised).
    /// @custom:oz-upgrades-unsafe-allow constructor
    /// @param trustedForwarder_ the platform's ERC2771Forwarder
    constructor(address trustedForwarder_) ERC2771ContextUpgradeable(trustedForwarder_) {
        _disableInitializers();
    }

    /**
     * @notice Sets up the proxy.
     * @param factory_ the TicketFactory proxy (registry and role holder)
     * @dev Requirements: `factory_` nonzero.
     */
    function initialize(address factory_) external initializer {
        if (factory_ == address(0)) revert EscrowInvalidAddress(factory_);
        _getEscrowStorage().factory = ITicketFactory(factory_);
    }

    /// @inheritdoc IPaymentEscrow
    function depositPrimary(address buyer, uint256 firstTokenId, uint256 quantity) external payable nonReentrant {
        EscrowStorage storage $ = _getEscrowStorage();
        address ticket = msg.sender;
        uint256 current = $.proceeds[ticket];
        // Nonzero proceeds were deposited by this ticket before, so it is registered: the factory is asked
        // only on a ticket's first paid sale (saves two cold proxy calls on every later sale).
        if (current == 0 && $.factory.eventOf(ticket) == 0) revert EscrowUnknownTicket(ticket);
        $.proceeds[ticket] = current + msg.value;
        $.totalOwed[address(0)] += msg.value;
        emit PrimaryDeposited(ticket, buyer, firstTokenId, quantity, msg.value);
    }

    /// @inheritdoc IPaymentEscrow
    function withdrawProceeds(address ticket) external nonReentrant returns (uint256 amount) {
        EscrowStorage storage $ = _getEscrowStorage();
        _requireRegistered($, ticket);
        address account = _msgSender();
        address promoter = IConcertTicket(ticket).promoter();
        if (account != promoter) revert EscrowNotPromoter(account, promoter);
        if (IConcertTicket(ticket).isCancelled()) revert EscrowEventCancelled(ticket);
        uint64 startsAt = IConcertTicket(ticket).startsAt();
        if (block.timestamp < startsAt) revert EscrowEventNotStarted(ticket, startsAt);
        amount = $.proceeds[ticket];
        if (amount == 0) revert EscrowNothingToWithdraw(account, address(0));
        $.proceeds[ticket] = 0;
        $.totalOwed[address(0)] -= amount;
        emit ProceedsWithdrawn(ticket, promoter, amount);
        Address.sendValue(payable(promoter), amount);
    }

    /// @inheritdoc IPaymentEscrow
    function claimRefund(address ticket, uint256 tokenId) external nonReentrant returns (uint256 amount) {
        EscrowStorage storage $ = _getEscrowStorage();
        _requireRegistered($, ticket);
        if (!IConcertTicket(ticket).isCancelled()) revert EscrowEventNotCancelled(ticket);
        address account = _msgSender();
        address holder = IConcertTicket(ticket).ownerOf(tokenId);
        if (account != holder) revert EscrowNotTicketHolder(account, holder);
        if ($.refunded[ticket][tokenId]) revert EscrowAlreadyRefunded(ticket, tokenId);
        amount = IConcertTicket(ticket).primaryPaid(tokenId);
        if (amount == 0) revert EscrowNothingToRefund(ticket, tokenId);
        $.refunded[ticket][tokenId] = true;
        // Primary payments of a ticket contract are all in its proceeds, and a cancelled event's proceeds
        // are never withdrawn, so each refund is covered (checked arithmetic as a second line of defence).
        $.proceeds[ticket] -= amount;
        $.totalOwed[address(0)] -= amount;
        emit RefundClaimed(ticket, tokenId, holder, amount);
        Address.sendValue(payable(holder), amount);
    }

    /// @inheritdoc IPaymentEscrow
    function credit(address currency, address[] calldata payees, uint256[] calldata amounts)
        external
        payable
        nonReentrant
    {
        EscrowStorage storage $ = _getEscrowStorage();
        _checkCredit($, currency, payees.length, amounts.length);
        _settleCredit($, currency, _creditEach($, currency, payees, amounts));
    }

    /// @inheritdoc IPaymentEscrow
    function creditSale(
        bytes32 orderHash,
        address currency,
        address seller,
        uint256 sellerAmount,
        address[] calldata payees,
        uint256[] calldata amounts
    ) external payable nonReentrant {
        EscrowStorage storage $ = _getEscrowStorage();
        _checkCredit($, currency, payees.length, amounts.length);
        if (seller == address(0)) revert EscrowInvalidPayee(seller);
        if ($.sales[orderHash] != 0) revert EscrowSaleAlreadyCredited(orderHash);
        $.sales[orderHash] = uint256(uint160(seller)) | (uint256(SafeCast.toUint96(sellerAmount)) << 160);
        if (currency != address(0)) $.saleCurrencies[orderHash] = currency;
        emit SaleCredited(orderHash, seller, currency, sellerAmount);
        _settleCredit($, currency, sellerAmount + _creditEach($, currency, payees, amounts));
    }

    /// @inheritdoc IPaymentEscrow
    function withdrawSales(bytes32[] calldata orderHashes) external nonReentrant returns (uint256 amount) {
        EscrowStorage storage $ = _getEscrowStorage();
        address payee = _msgSender();
        if (orderHashes.length == 0) revert EscrowNothingToWithdraw(payee, address(0));
        address currency = $.saleCurrencies[orderHashes[0]];
        for (uint256 i = 0; i < orderHashes.length; ++i) {
            bytes32 orderHash = orderHashes[i];
            uint256 record = $.sales[orderHash];
            address seller = address(uint160(record));
            if (seller != payee) revert EscrowNotSeller(orderHash, payee, seller);
            uint256 owed = record >> 160;
            if (owed == 0) revert EscrowSaleAlreadyWithdrawn(orderHash);
            address saleCurrency = $.saleCurrencies[orderHash];
            if (saleCurrency != currency) revert EscrowCurrencyMismatch(orderHash, currency, saleCurrency);
            $.sales[orderHash] = uint160(seller); // the tombstone: the hash stays credited
            amount += owed;
            emit SaleWithdrawn(orderHash, payee, currency, owed);
        }
        $.totalOwed[currency] -= amount;
        _pay(currency, payee, amount);
    }

    /// @inheritdoc IPaymentEscrow
    function withdraw(address currency) external nonReentrant returns (uint256 amount) {
        EscrowStorage storage $ = _getEscrowStorage();
        address payee = _msgSender();
        amount = $.credits[payee][currency];
        if (amount == 0) revert EscrowNothingToWithdraw(payee, currency);
        $.credits[payee][currency] = 0;
        $.totalOwed[currency] -= amount;
        emit Withdrawn(payee, currency, amount);
        _pay(currency, payee, amount);
    }

    /// @inheritdoc IPaymentEscrow
    function setAllowedToken(address token) external {
        _checkAdmin();
        _getEscrowStorage().allowedToken = token;
        emit AllowedTokenSet(token);
    }

    /// @inheritdoc IPaymentEscrow
    function factory() external view returns (address) {
        return address(_getEscrowStorage().factory);
    }

    /// @inheritdoc IPaymentEscrow
    function allowedToken() external view returns (address) {
        return _getEscrowStorage().allowedToken;
    }

    /// @inheritdoc IPaymentEscrow
    function proceeds(address ticket) external view returns (uint256) {
        return _getEscrowStorage().proceeds[ticket];
    }

    /// @inheritdoc IPaymentEscrow
    function credits(address payee, address currency) external view returns (uint256) {
        return _getEscrowStorage().credits[payee][currency];
    }

    /// @inheritdoc IPaymentEscrow
    function sale(bytes32 orderHash) external view returns (address seller, address currency, uint256 amount) {
        EscrowStorage storage $ = _getEscrowStorage();
        uint256 record = $.sales[orderHash];
        return (address(uint160(record)), $.saleCurrencies[orderHash], record >> 160);
    }

    /// @inheritdoc IPaymentEscrow
    function refunded(address ticket, uint256 tokenId) external view returns (bool) {
        return _getEscrowStorage().refunded[ticket][tokenId];
    }

    /// @inheritdoc IPaymentEscrow
    function totalOwed(address currency) external view returns (uint256) {
        return _getEscrowStorage().totalOwed[currency];
    }

    /// @dev Upgrades need the factory's DEFAULT_ADMIN_ROLE.
    function _authorizeUpgrade(address) internal view override {
        _checkAdmin();
    }

    function _checkAdmin() private view {
        address account = _msgSender();
        // DEFAULT_ADMIN_ROLE is bytes32(0) in every AccessControl.
        if (!_getEscrowStorage().factory.hasRole(bytes32(0), account)) revert EscrowUnauthorized(account, bytes32(0));
    }

    /// @dev Caller, currency and list lengths of {credit} / {creditSale}.
    function _checkCredit(EscrowStorage storage $, address currency, uint256 payees, uint256 amounts) private view {
        address marketplace = $.factory.marketplace();
        // A zero marketplace (not deployed) never matches: msg.sender is never the zero address.
        if (msg.sender != marketplace) revert EscrowNotMarketplace(msg.sender);
        if (currency != address(0) && currency != $.allowedToken) revert EscrowCurrencyNotAllowed(currency);
        if (payees != amounts) revert EscrowLengthMismatch(payees, amounts);
    }

    /// @dev Adds each amount to its payee's credit (emitting {Credited}); returns the sum.
    function _creditEach(
        EscrowStorage storage $,
        address currency,
        address[] calldata payees,
        uint256[] calldata amounts
    ) private returns (uint256 total) {
        for (uint256 i = 0; i < payees.length; ++i) {
            address payee = payees[i];
            if (payee == address(0)) revert EscrowInvalidPayee(payee);
            $.credits[payee][currency] += amounts[i];
            total += amounts[i];
            emit Credited(payee, currency, amounts[i]);
        }
    }

    /// @dev Books `total` as owed in `currency` and checks it is paid: native with the call, ERC-20 by the balance.
    function _settleCredit(EscrowStorage storage $, address currency, uint256 total) private {
        uint256 owed = $.totalOwed[currency] + total;
        $.totalOwed[currency] = owed;
        if (currency == address(0)) {
            if (msg.value != total) revert EscrowWrongPayment(total, msg.value);
        } else {
            if (msg.value != 0) revert EscrowWrongPayment(0, msg.value);
            uint256 balance = IERC20(currency).balanceOf(address(this));
            if (balance < owed) revert EscrowUnbackedCredit(currency, balance, owed);
        }
    }

    /// @dev Sends `amount` of `currency` (address(0) = native) to `payee`.
    function _pay(address currency, address payee, uint256 amount) private {
        if (currency == address(0)) {
            Address.sendValue(payable(payee), amount);
        } else {
            IERC20(currency).safeTransfer(payee, amount);
        }
    }

    function _requireRegistered(EscrowStorage storage $, address ticket) private view {
        if ($.factory.eventOf(ticket) == 0) revert EscrowUnknownTicket(ticket);
    }

    function _getEscrowStorage() private pure returns (EscrowStorage storage $) {
        assembly ("memory-safe") {
            $.slot := ESCROW_STORAGE_LOCATION
        }
    }
}
