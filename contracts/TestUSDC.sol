// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/**
 * @title TestUSDC
 * @notice The USDC-like ERC-20 of local chains and testnets: 6 decimals, EIP-2612 permit, minted by its
 * admin. Never deployed on a main network (real USDC is used there).
 */
contract TestUSDC is ERC20, ERC20Permit, Ownable {
    /// @notice Deploys the token with `admin` as its minter.
    /// @param admin the only account that can mint
    constructor(address admin) ERC20("Test USD Coin", "tUSDC") ERC20Permit("Test USD Coin") Ownable(admin) {}

    /**
     * @notice Creates `amount` (6 decimals) for `to`.
     * @param to the recipient
     * @param amount the amount, 6 decimals
     * @dev Requirements: caller is the admin. Emits {Transfer}.
     */
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice 6, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
