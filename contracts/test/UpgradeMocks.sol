// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {TicketFactory} from "../TicketFactory.sol";
import {PaymentEscrow} from "../PaymentEscrow.sol";

/**
 * @title TicketFactoryV2 (TEST ONLY)
 * @notice A safe upgrade of {TicketFactory}: one more namespaced field and a reinitializer.
 * @custom:oz-upgrades-from contracts/TicketFactory.sol:TicketFactory
 */
contract TicketFactoryV2 is TicketFactory {
    /// @custom:storage-location erc7201:ticketchain.storage.TicketFactoryV2
    struct V2Storage {
        string version;
    }

    // keccak256(abi.encode(uint256(keccak256("ticketchain.storage.TicketFactoryV2")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant V2_STORAGE_LOCATION = 0x0287916829ee3f3aa20fcf5dd463077eef122d2a8bde522ff011a9837912eb00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address trustedForwarder_) TicketFactory(trustedForwarder_) {}

    function initializeV2(string calldata version_) external reinitializer(2) {
        _v2().version = version_;
    }

    function version() external view returns (string memory) {
        return _v2().version;
    }

    function _v2() private pure returns (V2Storage storage $) {
        assembly ("memory-safe") {
            $.slot := V2_STORAGE_LOCATION
        }
    }
}

/**
 * @title PaymentEscrowV2 (TEST ONLY)
 * @notice A safe upgrade of {PaymentEscrow} that adds a view.
 * @custom:oz-upgrades-from contracts/PaymentEscrow.sol:PaymentEscrow
 */
contract PaymentEscrowV2 is PaymentEscrow {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address trustedForwarder_) PaymentEscrow(trustedForwarder_) {}

    function version() external pure returns (string memory) {
        return "v2";
    }
}

/**
 * @title UnsafeEscrowUpgrade (TEST ONLY)
 * @notice An upgrade of {PaymentEscrow} that the upgrade-safety check must reject: a constructor that
 * writes state (not annotated) and a `delegatecall`. Used by the check-upgrades test; never deployed.
 * @custom:oz-upgrades-from contracts/PaymentEscrow.sol:PaymentEscrow
 */
contract UnsafeEscrowUpgrade is PaymentEscrow {
    uint256 private _set;

    constructor() PaymentEscrow(address(0)) {
        _set = 1;
    }

    function run(address target, bytes calldata data) external returns (bool ok) {
        (ok, ) = target.delegatecall(data);
    }
}

/**
 * @title EscrowLayoutBreak (TEST ONLY)
 * @notice An "upgrade" of {PaymentEscrow} whose namespaced storage swaps two fields: the storage layout
 * check must reject it. Never deployed.
 * @custom:oz-upgrades-from contracts/PaymentEscrow.sol:PaymentEscrow
 */
contract EscrowLayoutBreak is Initializable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:ticketchain.storage.PaymentEscrow
    struct EscrowStorage {
        address allowedToken;
        address factory;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function _authorizeUpgrade(address) internal override {}
}
