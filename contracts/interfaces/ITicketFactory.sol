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

    struct EventInput {
        string name;
        uint64 startsAt; // unix time of the show; sales close then, proceeds unlock
        string baseURI; // metadata base URI (tokenURI = baseURI + tokenId)
        uint16 royaltyBps; // EIP-2981 royalty to the promoter on resales
        uint16 resaleCapBps; // max resale price as bps of face value (11000 = 110 %); 0 = no cap
        TierInput[] tiers;
    }

    event EventCreated(uint256 indexed eventId, address indexed ticket, address indexed promoter, string name, uint64 startsAt);
    event PlatformContractsSet(address escrow, address marketplace, address fractions);

    function createEvent(EventInput calldata input) external returns (uint256 eventId, address ticket);
    /// @notice Sets the singletons every ticket and contract looks up (admin only).
    function setPlatformContracts(address escrow, address marketplace, address fractions) external;

    /// @notice Event id of a ticket contract created by this factory; 0 for any other address.
    function eventOf(address ticket) external view returns (uint256);
    function eventContract(uint256 eventId) external view returns (address);
    function eventCount() external view returns (uint256);

    function escrow() external view returns (address);
    function marketplace() external view returns (address);
    function fractions() external view returns (address);
    function ticketImplementation() external view returns (address);

    // solhint-disable-next-line func-name-mixedcase
    function PROMOTER_ROLE() external view returns (bytes32);
    // solhint-disable-next-line func-name-mixedcase
    function MINTER_ROLE() external view returns (bytes32);
    function promoterRole(uint256 eventId) external pure returns (bytes32);
    function scannerRole(uint256 eventId) external pure returns (bytes32);
}
