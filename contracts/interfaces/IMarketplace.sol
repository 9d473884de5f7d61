// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IMarketplace
 * @notice Off-chain order book, on-chain settlement. A seller signs an EIP-712 Order (no gas); the app
 * stores it; a buyer fills it with `fill`. Whole tickets (token = a registered ConcertTicket, amount = 1)
 * or fractions (token = the fractions vault, tokenId = fraction id, amount = shares; partial fills).
 * Payment in the native coin (currency = address(0)) or the one allowed ERC-20. The buyer's payment goes
 * to the PaymentEscrow, credited to seller, royalty receiver and platform; nobody is paid inside `fill`.
 * A whole ticket's seller share is credited under the order hash (`PaymentEscrow.creditSale`), which is also
 * what marks that order filled; the seller withdraws it with `PaymentEscrow.withdrawSales`.
 */
interface IMarketplace {
    struct Order {
        address seller;
        address token;
        uint256 tokenId;
        uint256 amount; // units offered (1 for a ticket, shares for fractions)
        uint256 price; // per unit, in `currency`
        address currency;
        uint64 expiry;
        uint256 nonce; // must equal the seller's current nonce; bumping it cancels all open orders
        uint256 salt;
    }

    event OrderFilled(bytes32 indexed orderHash, address indexed seller, address indexed buyer, address token, uint256 tokenId, uint256 amount, uint256 total, uint256 royalty, uint256 fee);
    event OrderCancelled(bytes32 indexed orderHash, address indexed seller);
    event NonceIncremented(address indexed seller, uint256 newNonce);
    event PlatformFeeSet(uint16 feeBps, address recipient);
    event CurrencyAllowed(address indexed currency, bool allowed);

    function fill(Order calldata order, bytes calldata signature, uint256 amount) external payable;
    function fillWithPermit(Order calldata order, bytes calldata signature, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
    function cancel(Order calldata order) external;
    function incrementNonce() external returns (uint256);

    function orderHash(Order calldata order) external view returns (bytes32);
    function filled(bytes32 orderHash) external view returns (uint256);
    function nonces(address seller) external view returns (uint256);
    function platformFee() external view returns (uint16 feeBps, address recipient);
}
