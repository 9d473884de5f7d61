// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TicketFactory} from "../TicketFactory.sol";
import {ConcertTicket} from "../ConcertTicket.sol";

/**
 * @title ReentrantWithdrawer (TEST ONLY)
 * @notice A promoter implemented as a contract whose `receive()` re-enters
 * {ConcertTicket-withdrawProceeds} while the proceeds are being sent to it. Used by the test suite
 * to prove the reentrancy guard stops the second call.
 *
 * It must itself hold PROMOTER_ROLE on the factory and create the event, so that it is the
 * event's promoter (the only account allowed to call `withdrawProceeds`).
 *
 * Modes:
 *  - default: the re-entrant call is not caught, so its revert bubbles up through
 *    `Address.sendValue` and makes the whole withdrawal revert.
 *  - `swallowReentryRevert`: the re-entrant call is wrapped in try/catch and its revert data is
 *    recorded, so the outer withdrawal can complete and the test can inspect why re-entry failed.
 */
contract ReentrantWithdrawer {
    TicketFactory public immutable factory;
    ConcertTicket public ticket;
    bool public swallowReentryRevert;
    uint256 public reentryAttempts;
    bytes public reentryRevertData;

    constructor(TicketFactory factory_) {
        factory = factory_;
    }

    /// @notice Creates an event on the factory with this contract as the promoter.
    function createEvent(
        string calldata name,
        uint64 startsAt,
        string calldata baseURI,
        ConcertTicket.TierInput[] calldata tiers
    ) external returns (uint256 eventId, address ticket_) {
        (eventId, ticket_) = factory.createEvent(name, startsAt, baseURI, tiers);
        ticket = ConcertTicket(ticket_);
    }

    function setSwallowReentryRevert(bool swallow) external {
        swallowReentryRevert = swallow;
    }

    /// @notice Starts the withdrawal whose payment triggers the re-entry.
    function attack() external {
        ticket.withdrawProceeds();
    }

    receive() external payable {
        // Only re-enter while being paid by the ticket contract (not, e.g., on a plain top-up).
        if (msg.sender != address(ticket)) return;
        ++reentryAttempts;
        if (swallowReentryRevert) {
            try ticket.withdrawProceeds() {} catch (bytes memory reason) {
                reentryRevertData = reason;
            }
        } else {
            ticket.withdrawProceeds();
        }
    }
}
