// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ReentrantAccount (TEST ONLY)
 * @notice A contract account (promoter, fan or marketplace payee) whose `receive()` makes one re-entrant
 * call while it is being paid. Used to prove that the escrow's and the ticket's reentrancy guards stop a
 * second call into them from inside a payout.
 *
 * `execute` performs any call as this account (create an event, buy, withdraw…). `arm` sets the call
 * made from `receive()`. With `swallow`, the re-entrant call's revert is caught and recorded so the outer
 * payout completes; without it, the revert bubbles up and the whole payout reverts.
 */
contract ReentrantAccount {
    address public reentryTarget;
    bytes public reentryData;
    uint256 public reentryValue;
    bool public swallow;
    uint256 public reentryAttempts;
    bytes public reentryRevertData;

    /// @notice Performs a call as this account and bubbles its revert.
    function execute(address target, bytes calldata data) external payable returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @notice Sets the call made (once per payment) from `receive()`; a zero target disarms.
    function arm(address target, bytes calldata data, uint256 value, bool swallow_) external {
        reentryTarget = target;
        reentryData = data;
        reentryValue = value;
        swallow = swallow_;
    }

    receive() external payable {
        address target = reentryTarget;
        if (target == address(0)) return;
        ++reentryAttempts;
        (bool ok, bytes memory result) = target.call{value: reentryValue}(reentryData);
        if (ok) return;
        if (swallow) {
            reentryRevertData = result;
        } else {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
