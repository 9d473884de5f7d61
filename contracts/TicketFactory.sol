// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ConcertTicket} from "./ConcertTicket.sol";

/**
 * @title TicketFactory
 * @notice Creates one {ConcertTicket} per event as an EIP-1167 minimal clone of a single
 * implementation (docs/decisions/005-event-clones.md) and keeps the registry event id -> contract.
 * Platform roles live here: the admin grants promoters (may create events) and minters (the server's
 * custodial signer, checked by every ticket contract).
 */
contract TicketFactory is AccessControl {
    bytes32 public constant PROMOTER_ROLE = keccak256("PROMOTER_ROLE");
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    address private immutable _implementation;
    uint256 private _eventCount;
    mapping(uint256 eventId => address ticket) private _events;

    /// @notice Emitted when a promoter creates an event.
    event EventCreated(uint256 indexed eventId, address indexed ticket, address indexed promoter, string name, uint64 startsAt);

    error FactoryUnknownEvent(uint256 eventId);
    error FactoryEventInPast(uint64 startsAt, uint256 now_);
    error FactoryNoTiers();

    /// @param admin platform admin (DEFAULT_ADMIN_ROLE); the deployer keeps no role
    /// @param minter the server's custodial signer (MINTER_ROLE)
    /// @param implementation_ the ConcertTicket every event clones
    constructor(address admin, address minter, address implementation_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, minter);
        _implementation = implementation_;
    }

    /**
     * @notice Deploys the ticket contract of a new event.
     * @param name event name (ERC-721 name)
     * @param startsAt unix time of the show
     * @param baseURI metadata base URI
     * @param tiers face value (wei) and supply cap per tier
     * @dev Requirements: caller holds PROMOTER_ROLE; `startsAt` in the future; at least one tier.
     * Emits {EventCreated}.
     */
    function createEvent(
        string calldata name,
        uint64 startsAt,
        string calldata baseURI,
        ConcertTicket.TierInput[] calldata tiers
    ) external onlyRole(PROMOTER_ROLE) returns (uint256 eventId, address ticket) {
        if (startsAt <= block.timestamp) revert FactoryEventInPast(startsAt, block.timestamp);
        if (tiers.length == 0) revert FactoryNoTiers();
        eventId = ++_eventCount;
        ticket = Clones.clone(_implementation);
        _events[eventId] = ticket;
        emit EventCreated(eventId, ticket, msg.sender, name, startsAt);
        ConcertTicket(ticket).initialize(eventId, name, msg.sender, startsAt, baseURI, tiers);
    }

    /// @notice Ticket contract of `eventId`.
    function eventContract(uint256 eventId) external view returns (address ticket) {
        ticket = _events[eventId];
        if (ticket == address(0)) revert FactoryUnknownEvent(eventId);
    }

    /// @notice Number of events created.
    function eventCount() external view returns (uint256) {
        return _eventCount;
    }

    /// @notice The ConcertTicket implementation that events clone.
    function implementation() external view returns (address) {
        return _implementation;
    }
}
