// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/**
 * @title MarketReentrantBuyer (TEST ONLY)
 * @notice A buyer implemented as a contract that, when the marketplace hands it the ticket
 * (`onERC721Received`) or shares (`onERC1155Received`), calls the marketplace again with prepared
 * calldata (typically a second `fill`, or `fill` of the same order). Used to prove the reentrancy
 * guard stops the nested call.
 *
 * Modes:
 *  - default: the nested call's revert bubbles up, so the whole outer fill reverts with it;
 *  - `swallow`: the nested revert is caught and recorded (`reentryRevertData`), the outer fill completes.
 */
contract MarketReentrantBuyer is IERC721Receiver, IERC1155Receiver {
    address public immutable market;
    bytes public reentryCalldata;
    uint256 public reentryValue;
    bool public swallow;
    uint256 public reentryAttempts;
    bool public reentrySucceeded;
    bytes public reentryRevertData;

    constructor(address market_) {
        market = market_;
    }

    receive() external payable {}

    /// @notice Arms the attack: `data` is sent to the marketplace (with `value`) from inside the receive hook.
    function arm(bytes calldata data, uint256 value, bool swallow_) external {
        reentryCalldata = data;
        reentryValue = value;
        swallow = swallow_;
    }

    /// @notice Calls the marketplace (the outer fill) with this contract as the buyer.
    function callMarket(bytes calldata data, uint256 value) external payable {
        (bool ok, bytes memory ret) = market.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _reenter();
        return IERC721Receiver.onERC721Received.selector;
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        _reenter();
        return IERC1155Receiver.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata) external pure returns (bytes4) {
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return
            interfaceId == type(IERC721Receiver).interfaceId ||
            interfaceId == type(IERC1155Receiver).interfaceId ||
            interfaceId == type(IERC165).interfaceId;
    }

    function _reenter() private {
        if (reentryCalldata.length == 0) return;
        bytes memory data = reentryCalldata;
        delete reentryCalldata; // one attempt per arming
        reentryAttempts++;
        (bool ok, bytes memory ret) = market.call{value: reentryValue}(data);
        if (ok) {
            reentrySucceeded = true;
            return;
        }
        reentryRevertData = ret;
        if (!swallow) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
