// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/**
 * @title ITicketFactory
 * @notice The platform's registry and role holder. Every other contract trusts a ticket contract only if
 * the factory registered it (`eventOf(ticket) != 0`).
 *
 * Roles (AccessControl, on the factory):
 *  - DEFAULT_ADMIN_ROLE: platform admin (grants PROMOTER_ROLE / MINTER_ROLE, sets platform contracts,
 *    upgrades the UUPS singletons);
 *  - PROMOTER_ROLE: may create events;
 *  - MINTER_ROLE: the server's custodial signer (mints card-paid tickets, may relay);
 *  - promoterRole(eventId): the promoter of one event (granted by createEvent; admin of scannerRole(eventId));
 *  - scannerRole(eventId): venue staff of one event (check-in).
 */
interface ITicketFactory is IAccessControl {
    struct TierInput {
        uint128 price; // face value in wei
        uint32 supply; // cap
    }

    // Calldata input, never stored as is: slot packing would save nothing.
    // solhint-disable-next-line gas-struct-packing
    struct EventInput {
        string name;
        uint64 startsAt; // unix time of the show; sales close then, proceeds unlock
        string baseURI; // metadata base URI (tokenURI = baseURI + tokenId)
        uint16 royaltyBps; // EIP-2981 royalty to the promoter on resales
        uint16 resaleCapBps; // max resale price as bps of face value (11000 = 110 %); 0 = no cap
        TierInput[] tiers;
    }

    /**
     * @notice A promoter created an event.
     * @param eventId the new event's id
     * @param ticket its ConcertTicket clone
     * @param promoter the event's promoter
     * @param name the event's name
     * @param startsAt unix time of the show
     */
    event EventCreated(uint256 indexed eventId, address indexed ticket, address indexed promoter, string name, uint64 startsAt);
    /**
     * @notice The platform singletons changed.
     * @param escrow the PaymentEscrow proxy
     * @param marketplace the Marketplace proxy
     * @param fractions the FractionalTicketOwnership proxy
     */
    event PlatformContractsSet(address escrow, address marketplace, address fractions);

    /**
     * @notice Deploys and registers the ticket contract of a new event; the caller becomes its promoter.
     * @param input name, start time, metadata base URI, royalty, resale cap and tiers of the event
     * @return eventId the new event's id (1, 2, …)
     * @return ticket the event's ConcertTicket clone
     * @dev Requirements:
     * - caller holds PROMOTER_ROLE;
     * - the escrow is set;
     * - `startsAt` in the future; 1..{MAX_TIERS} tiers, each with a nonzero supply;
     * - `royaltyBps` at most {MAX_ROYALTY_BPS}; `resaleCapBps` 0 or at least 10000.
     * Emits {EventCreated}, {RoleAdminChanged} (scanner role administered by the promoter role) and
     * {RoleGranted} (promoter role to the caller).
     */
    function createEvent(EventInput calldata input) external returns (uint256 eventId, address ticket);
    /**
     * @notice Sets the platform singletons. Tickets cache the escrow when they are created.
     * @param escrow the PaymentEscrow proxy
     * @param marketplace the Marketplace proxy (the only account allowed to credit the escrow)
     * @param fractions the FractionalTicketOwnership proxy (zero while not deployed)
     * @dev Requirements: caller holds DEFAULT_ADMIN_ROLE; `escrow` nonzero.
     * Emits {PlatformContractsSet}.
     */
    function setPlatformContracts(address escrow, address marketplace, address fractions) external;

    /**
     * @notice Event id of a ticket contract created by this factory.
     * @param ticket any address
     * @return eventId the event's id; 0 for an address this factory did not create
     */
    function eventOf(address ticket) external view returns (uint256 eventId);

    /**
     * @notice Ticket contract of `eventId`.
     * @param eventId an event id
     * @return ticket the event's ConcertTicket clone
     * @dev Reverts with {FactoryUnknownEvent} for an unknown id.
     */
    function eventContract(uint256 eventId) external view returns (address ticket);

    /// @notice Number of events created.
    function eventCount() external view returns (uint256);

    /// @notice The PaymentEscrow proxy.
    function escrow() external view returns (address);

    /// @notice The Marketplace proxy.
    function marketplace() external view returns (address);

    /// @notice The FractionalTicketOwnership proxy.
    function fractions() external view returns (address);

    /// @notice The ConcertTicket implementation that events clone.
    function ticketImplementation() external view returns (address);

    // The getters of public constants keep Solidity's UPPER_CASE constant names (as AccessControl's
    // DEFAULT_ADMIN_ROLE does), hence the mixedCase exceptions.
    /// @notice Role allowed to create events.
    /// @return role keccak256("PROMOTER_ROLE")
    function PROMOTER_ROLE() external view returns (bytes32 role); // solhint-disable-line func-name-mixedcase
    /// @notice Role of the server's signer, allowed to mint card-paid tickets.
    /// @return role keccak256("MINTER_ROLE")
    function MINTER_ROLE() external view returns (bytes32 role); // solhint-disable-line func-name-mixedcase

    /**
     * @notice Role of the promoter of `eventId` (admin of {scannerRole}).
     * @param eventId the event
     * @return role keccak256(abi.encode("PROMOTER", eventId))
     */
    function promoterRole(uint256 eventId) external pure returns (bytes32 role);

    /**
     * @notice Role of the venue staff who check tickets in at `eventId`.
     * @param eventId the event
     * @return role keccak256(abi.encode("SCANNER", eventId))
     */
    function scannerRole(uint256 eventId) external pure returns (bytes32 role);
}
