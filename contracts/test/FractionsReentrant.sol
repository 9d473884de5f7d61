// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/**
 * @title FractionsReentrant (TEST ONLY)
 * @notice A wallet implemented as a contract that re-enters the fractions vault from one of the three
 * callbacks the vault can trigger: `receive()` (a cash-out pays it), `onERC721Received` (a redeem or a
 * buyout hands it the ticket) or `onERC1155Received` (fractionalize mints it shares).
 *
 * `execute` lets the test drive it like an ordinary account (buy a ticket, approve, fractionalize, buy
 * out, cash out, …). `arm` chooses the callback, the call to re-enter with (and the value to send) and
 * whether the re-entrant call's revert bubbles up (making the outer call revert) or is swallowed and
 * recorded, so the test can check why the re-entry failed while the outer call completes.
 */
contract FractionsReentrant is IERC721Receiver, IERC1155Receiver {
    enum Hook {
        None,
        Receive,
        ERC721,
        ERC1155
    }

    address public immutable vault;
    Hook public hook;
    bytes public reentryCall;
    uint256 public reentryValue;
    bool public swallowReentryRevert;
    uint256 public reentryAttempts;
    bool public reentrySucceeded;
    bytes public reentryRevertData;
    bool public rejectTickets;

    /// @notice Raised by `onERC721Received` while `rejectTickets` is set.
    error FractionsReentrantRejected(uint256 tokenId);

    constructor(address vault_) payable {
        vault = vault_;
    }

    /// @notice Re-enter the vault with `call` (sending `value`) the next time `hook` fires.
    function arm(Hook hook_, bytes calldata call, uint256 value, bool swallow) external {
        hook = hook_;
        reentryCall = call;
        reentryValue = value;
        swallowReentryRevert = swallow;
    }

    /// @notice Makes `onERC721Received` revert (a contract wallet that cannot hold tickets).
    function setRejectTickets(bool reject) external {
        rejectTickets = reject;
    }

    /// @notice Calls `target` with `data` and `value` as this contract; bubbles any revert.
    function execute(address target, bytes calldata data, uint256 value) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {
        if (hook == Hook.Receive) _reenter();
    }

    function onERC721Received(address, address, uint256 tokenId, bytes calldata) external returns (bytes4) {
        if (rejectTickets) revert FractionsReentrantRejected(tokenId);
        if (hook == Hook.ERC721) _reenter();
        return IERC721Receiver.onERC721Received.selector;
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        if (hook == Hook.ERC1155) _reenter();
        return IERC1155Receiver.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(
        address,
        address,
        uint256[] calldata,
        uint256[] calldata,
        bytes calldata
    ) external pure returns (bytes4) {
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return
            interfaceId == type(IERC1155Receiver).interfaceId ||
            interfaceId == type(IERC721Receiver).interfaceId ||
            interfaceId == type(IERC165).interfaceId;
    }

    function _reenter() private {
        hook = Hook.None; // once
        reentryAttempts += 1;
        (bool ok, bytes memory ret) = vault.call{value: reentryValue}(reentryCall);
        if (ok) {
            reentrySucceeded = true;
            return;
        }
        if (!swallowReentryRevert) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        reentryRevertData = ret;
    }
}
