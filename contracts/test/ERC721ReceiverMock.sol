// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ERC721ReceiverMock (TEST ONLY)
 * @notice A contract recipient of `safeTransferFrom` that accepts, answers the wrong value, reverts with a
 * custom error or reverts without data, as configured.
 */
contract ERC721ReceiverMock {
    enum Behaviour {
        Accept,
        WrongValue,
        RevertWithError,
        RevertEmpty
    }

    Behaviour public behaviour;

    event Received(address operator, address from, uint256 tokenId, bytes data);

    error ReceiverRejected(uint256 tokenId);

    constructor(Behaviour behaviour_) {
        behaviour = behaviour_;
    }

    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4)
    {
        if (behaviour == Behaviour.WrongValue) return 0x12345678;
        if (behaviour == Behaviour.RevertWithError) revert ReceiverRejected(tokenId);
        if (behaviour == Behaviour.RevertEmpty) revert();
        emit Received(operator, from, tokenId, data);
        return this.onERC721Received.selector;
    }
}
