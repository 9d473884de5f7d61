// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title FractionsMock (TEST ONLY)
 * @notice Stands in for the fractions vault where a ticket only needs `totalSupply(fractionId)` and to
 * hold tickets.
 */
contract FractionsMock {
    mapping(uint256 id => uint256) public totalSupply;

    function setTotalSupply(uint256 id, uint256 supply) external {
        totalSupply[id] = supply;
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
