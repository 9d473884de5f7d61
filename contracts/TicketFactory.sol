// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC2771ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/metatx/ERC2771ContextUpgradeable.sol";
import {ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ContextUpgradeable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ITicketFactory} from "./interfaces/ITicketFactory.sol";
import {ConcertTicket} from "./ConcertTicket.sol";

/**
 * @title TicketFactory
 * @notice The platform's registry and its only role holder (docs/decisions/006-contract-architecture.md).
 * Creates one {ConcertTicket} per event as an EIP-1167 clone of a single implementation
 * (docs/decisions/005-event-clones.md), registers it, and makes its creator the event's promoter.
 * Every other contract trusts a ticket contract only if `eventOf(ticket) != 0` and asks this contract
 * for roles instead of keeping its own.
 *
 * Upgradeable (UUPS behind an ERC1967Proxy); state lives in one ERC-7201 namespace. Meta-transactions
 * from the platform's ERC2771Forwarder are honoured (`_msgSender()` is the signer).
 */
contract TicketFactory is ITicketFactory, AccessControlUpgradeable, UUPSUpgradeable, ERC2771ContextUpgradeable {
    /// @notice May create events.
    bytes32 public constant PROMOTER_ROLE = keccak256("PROMOTER_ROLE");
    /// @notice The server's custodial signer: mints tickets paid by card.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice Highest EIP-2981 royalty an event may set: 10 %.
    uint16 public constant MAX_ROYALTY_BPS = 1_000;
    /// @notice Most tiers an event may have (the tier id is stored in 8 bits per ticket batch).
    uint256 public constant MAX_TIERS = 256;

    /// @custom:storage-location erc7201:ticketchain.storage.TicketFactory
    struct FactoryStorage {
        address ticketImplementation;
        address escrow;
        address marketplace;
        address fractions;
        uint256 eventCount;
        mapping(uint256 eventId => address ticket) events;
        mapping(address ticket => uint256 eventId) eventIds;
    }

    // keccak256(abi.encode(uint256(keccak256("ticketchain.storage.TicketFactory")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant FACTORY_STORAGE_LOCATION =
        0x6867b01a49edec70cb6386686252293c49d6f7e1eaf37b5bd23fc5da9d5faa00;

    /// @dev `startsAt` is not in the future.
    error FactoryEventInPast(uint64 startsAt, uint256 currentTime);
    /// @dev The event has no tier.
    error FactoryNoTiers();
    /// @dev More tiers than {MAX_TIERS}.
    error FactoryTooManyTiers(uint256 count, uint256 max);
    /// @dev Tier `tierId` has a supply of zero.
    error FactoryEmptyTier(uint256 tierId);
    /// @dev Royalty above {MAX_ROYALTY_BPS}.
    error FactoryRoyaltyTooHigh(uint16 royaltyBps, uint16 max);
    /// @dev Resale cap below face value (must be 0 = uncapped, or at least 10000 bps).
    error FactoryInvalidResaleCap(uint16 resaleCapBps);
    /// @dev No ticket contract has this event id.
    error FactoryUnknownEvent(uint256 eventId);
    /// @dev Events cannot be created before the escrow is set with {setPlatformContracts}.
    error FactoryEscrowNotSet();
    /// @dev An address that must be a contract / an account is unusable.
    error FactoryInvalidAddress(address account);

    /// @notice Locks the implementation (only proxies are initialised).
    /// @custom:oz-upgrades-unsafe-allow constructor
    /// @param trustedForwarder_ the platform's ERC2771Forwarder (immutable, shared by every proxy of this code)
    constructor(address trustedForwarder_) ERC2771ContextUpgradeable(trustedForwarder_) {
        _disableInitializers();
    }

    /**
     * @notice Sets up the proxy.
     * @param admin platform admin (DEFAULT_ADMIN_ROLE); the deployer keeps no role
     * @param minter the server's custodial signer (MINTER_ROLE); may be zero to grant later
     * @param ticketImplementation_ the ConcertTicket every event clones
     * @dev Requirements: `admin` nonzero; `ticketImplementation_` is a contract.
     * Emits {RoleGranted}.
     */
    function initialize(address admin, address minter, address ticketImplementation_) external initializer {
        if (admin == address(0)) revert FactoryInvalidAddress(admin);
        if (ticketImplementation_.code.length == 0) revert FactoryInvalidAddress(ticketImplementation_);
        __AccessControl_init();
        _getFactoryStorage().ticketImplementation = ticketImplementation_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (minter != address(0)) _grantRole(MINTER_ROLE, minter);
    }

    /// @inheritdoc ITicketFactory
    function createEvent(EventInput calldata input)
        external
        onlyRole(PROMOTER_ROLE)
        returns (uint256 eventId, address ticket)
    {
        FactoryStorage storage $ = _getFactoryStorage();
        if ($.escrow == address(0)) revert FactoryEscrowNotSet();
        if (input.startsAt <= block.timestamp) revert FactoryEventInPast(input.startsAt, block.timestamp);
        uint256 tierCount = input.tiers.length;
        if (tierCount == 0) revert FactoryNoTiers();
        if (tierCount > MAX_TIERS) revert FactoryTooManyTiers(tierCount, MAX_TIERS);
        for (uint256 i = 0; i < tierCount; ++i) {
            if (input.tiers[i].supply == 0) revert FactoryEmptyTier(i);
        }
        if (input.royaltyBps > MAX_ROYALTY_BPS) revert FactoryRoyaltyTooHigh(input.royaltyBps, MAX_ROYALTY_BPS);
        if (input.resaleCapBps != 0 && input.resaleCapBps < 10_000) revert FactoryInvalidResaleCap(input.resaleCapBps);

        address promoter = _msgSender();
        eventId = ++$.eventCount;
        ticket = Clones.clone($.ticketImplementation);
        $.events[eventId] = ticket;
        $.eventIds[ticket] = eventId;
        emit EventCreated(eventId, ticket, promoter, input.name, input.startsAt);

        _setRoleAdmin(scannerRole(eventId), promoterRole(eventId));
        _grantRole(promoterRole(eventId), promoter);
        ConcertTicket(ticket).initialize(eventId, promoter, input);
    }

    /// @inheritdoc ITicketFactory
    function setPlatformContracts(address escrow_, address marketplace_, address fractions_)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (escrow_ == address(0)) revert FactoryInvalidAddress(escrow_);
        FactoryStorage storage $ = _getFactoryStorage();
        $.escrow = escrow_;
        $.marketplace = marketplace_;
        $.fractions = fractions_;
        emit PlatformContractsSet(escrow_, marketplace_, fractions_);
    }

    /// @inheritdoc ITicketFactory
    function eventOf(address ticket) external view returns (uint256) {
        return _getFactoryStorage().eventIds[ticket];
    }

    /// @inheritdoc ITicketFactory
    function eventContract(uint256 eventId) external view returns (address ticket) {
        ticket = _getFactoryStorage().events[eventId];
        if (ticket == address(0)) revert FactoryUnknownEvent(eventId);
    }

    /// @inheritdoc ITicketFactory
    function eventCount() external view returns (uint256) {
        return _getFactoryStorage().eventCount;
    }

    /// @inheritdoc ITicketFactory
    function escrow() external view returns (address) {
        return _getFactoryStorage().escrow;
    }

    /// @inheritdoc ITicketFactory
    function marketplace() external view returns (address) {
        return _getFactoryStorage().marketplace;
    }

    /// @inheritdoc ITicketFactory
    function fractions() external view returns (address) {
        return _getFactoryStorage().fractions;
    }

    /// @inheritdoc ITicketFactory
    function ticketImplementation() external view returns (address) {
        return _getFactoryStorage().ticketImplementation;
    }

    /// @inheritdoc ITicketFactory
    function promoterRole(uint256 eventId) public pure returns (bytes32) {
        return keccak256(abi.encode("PROMOTER", eventId));
    }

    /// @inheritdoc ITicketFactory
    function scannerRole(uint256 eventId) public pure returns (bytes32) {
        return keccak256(abi.encode("SCANNER", eventId));
    }

    /// @dev Upgrades need the platform admin: the modifier is the whole check, so the body is empty.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {} // solhint-disable-line no-empty-blocks

    function _getFactoryStorage() private pure returns (FactoryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := FACTORY_STORAGE_LOCATION
        }
    }

    function _msgSender() internal view override(ContextUpgradeable, ERC2771ContextUpgradeable) returns (address) {
        return ERC2771ContextUpgradeable._msgSender();
    }

    /// @dev Required by the compiler (two bases define it); nothing in the factory reads msg.data.
    function _msgData()
        internal
        view
        override(ContextUpgradeable, ERC2771ContextUpgradeable)
        returns (bytes calldata)
    {
        return ERC2771ContextUpgradeable._msgData();
    }

    function _contextSuffixLength()
        internal
        view
        override(ContextUpgradeable, ERC2771ContextUpgradeable)
        returns (uint256)
    {
        return ERC2771ContextUpgradeable._contextSuffixLength();
    }
}
