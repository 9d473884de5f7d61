// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Makes Hardhat emit the ERC1967Proxy artifact used to deploy the UUPS singletons (tests, Ignition).
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
