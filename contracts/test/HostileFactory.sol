// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ITicketFactory} from "../interfaces/ITicketFactory.sol";
import {ConcertTicket} from "../ConcertTicket.sol";

/**
 * @title HostileFactory (TEST ONLY)
 * @notice Initialises a clone of the real ticket implementation and then plays its factory *and* its
 * escrow, to reach the ticket's own reentrancy guard (the real factory and escrow never call back):
 *  - as escrow, `depositPrimary` re-enters the ticket during `buy` and records why that failed;
 *  - as factory, `hasRole` (a static call) re-enters during `mintBatch` / `mintOrder`: it answers `true`
 *    only when the re-entrant call was refused with `ReentrancyGuardReentrantCall()`, and otherwise makes
 *    the outer call fail with what it got back.
 */
contract HostileFactory {
    bytes4 private constant REENTRANT_CALL = 0x3ee5aeb5; // ReentrancyGuardReentrantCall()

    ConcertTicket public ticket;
    bytes public reentryData;
    uint256 public reentryValue;
    bytes public reentryRevertData;

    error HostileUnexpected(bytes result);

    function createTicket(address implementation, ITicketFactory.EventInput calldata input) external returns (address) {
        ticket = ConcertTicket(Clones.clone(implementation));
        ticket.initialize(1, address(this), input);
        return address(ticket);
    }

    function arm(bytes calldata data, uint256 value) external payable {
        reentryData = data;
        reentryValue = value;
    }

    /// @notice Buys through this contract (it is also a buyer with funds).
    function buy(uint256 tierId, uint256 quantity) external payable {
        ticket.buy{value: msg.value}(tierId, quantity);
    }

    // ---- as the escrow ----
    function escrow() external view returns (address) {
        return address(this);
    }

    function depositPrimary(address, uint256, uint256) external payable {
        if (reentryData.length == 0) return;
        (bool ok, bytes memory result) = address(ticket).call{value: reentryValue}(reentryData);
        if (ok) revert HostileUnexpected(result);
        reentryRevertData = result;
    }

    // ---- as the factory ----
    function hasRole(bytes32, address) external view returns (bool) {
        if (reentryData.length == 0) return true;
        (bool ok, bytes memory result) = address(ticket).staticcall(reentryData);
        if (!ok && result.length == 4 && bytes4(result) == REENTRANT_CALL) return true;
        revert HostileUnexpected(result);
    }

    receive() external payable {}
}
