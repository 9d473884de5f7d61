// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ERC721Holder} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Holder.sol";
import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";

/**
 * @title MarketWallet (TEST ONLY)
 * @notice A minimal ERC-1271 contract wallet: it accepts a signature when its owner (an EOA) signed the
 * hash, executes calls for the owner (approve the marketplace, fill orders) and holds tickets and shares.
 * `setRevoked(true)` lets tests revoke its signatures.
 */
contract MarketWallet is IERC1271, ERC721Holder, ERC1155Holder {
    address public immutable owner;
    bool public revoked;

    error MarketWalletNotOwner(address caller);

    constructor(address owner_) {
        owner = owner_;
    }

    receive() external payable {}

    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender != owner) revert MarketWalletNotOwner(msg.sender);
        return Address.functionCallWithValue(target, data, value);
    }

    function setRevoked(bool revoked_) external {
        if (msg.sender != owner) revert MarketWalletNotOwner(msg.sender);
        revoked = revoked_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (!revoked && err == ECDSA.RecoverError.NoError && signer == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
