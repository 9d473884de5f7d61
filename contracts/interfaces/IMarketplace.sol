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

    /**
     * @notice `buyer` bought `amount` units of the order `orderHash`.
     * @param orderHash the order's EIP-712 hash
     * @param seller the order's seller
     * @param buyer who paid (and received the units)
     * @param token the ticket contract or the fractions vault
     * @param tokenId the ticket or fraction id
     * @param amount units bought
     * @param total price paid
     * @param royalty of which the promoter's royalty
     * @param fee of which the platform fee
     */
    event OrderFilled(bytes32 indexed orderHash, address indexed seller, address indexed buyer, address token, uint256 tokenId, uint256 amount, uint256 total, uint256 royalty, uint256 fee);
    /**
     * @notice The seller cancelled one order.
     * @param orderHash the order's EIP-712 hash
     * @param seller the order's seller
     */
    event OrderCancelled(bytes32 indexed orderHash, address indexed seller);
    /**
     * @notice The seller cancelled all open orders by moving to a new nonce.
     * @param seller the seller
     * @param newNonce the nonce new orders must carry
     */
    event NonceIncremented(address indexed seller, uint256 newNonce);
    /**
     * @notice The platform fee changed.
     * @param feeBps the fee in basis points
     * @param recipient who receives it
     */
    event PlatformFeeSet(uint16 feeBps, address recipient);
    /**
     * @notice An ERC-20 was allowed or disallowed as payment.
     * @param currency the ERC-20
     * @param allowed whether orders may be priced in it
     */
    event CurrencyAllowed(address indexed currency, bool allowed);

    /**
     * @notice Buys `amount` units of a signed order; the caller (`_msgSender()`) is the buyer.
     * @param order the seller's order, exactly as signed
     * @param signature the seller's EIP-712 signature (65-byte ECDSA, or whatever the seller's ERC-1271 wallet accepts)
     * @param amount units to buy (1 for a ticket; shares for fractions, partial fills allowed)
     * @dev Requirements:
     * - the signature is valid for `order.seller`; `block.timestamp ≤ order.expiry`; `order.nonce` is
     *   the seller's current nonce; the order was not cancelled;
     * - `0 < amount ≤ order.amount − filled(orderHash)`; the buyer is not the seller;
     * - `order.token` is a registered ticket (then `order.amount == 1`) or the fractions vault;
     * - native order: `msg.value == order.price × amount`; ERC-20 order: the currency is allowed,
     *   `msg.value == 0` and the buyer approved this contract for the total;
     * - the resale cap holds (see the contract documentation); royalty + fee ≤ total;
     * - the seller still owns the units and has approved this contract.
     * Emits {OrderFilled} (and the escrow's `Credited`, the token's `Transfer` / `TransferSingle`).
     */
    function fill(Order calldata order, bytes calldata signature, uint256 amount) external payable;

    /**
     * @notice Like {fill} for an ERC-20 order, with an EIP-2612 permit from the buyer for this contract
     * (value ≥ `order.price × amount`), so approving and buying take one transaction.
     * @param order the seller's order, exactly as signed
     * @param signature the seller's EIP-712 signature
     * @param amount units to buy
     * @param deadline deadline of the buyer's permit
     * @param v signature of the buyer's permit (v)
     * @param r signature of the buyer's permit (r)
     * @param s signature of the buyer's permit (s)
     * @dev Requirements: `order.currency` is an allowed ERC-20 (not the native coin); the permit
     * succeeds, or, if it was already used (for example front-run), the buyer's allowance covers the
     * total; then everything {fill} requires. Emits what {fill} emits and the token's `Approval`.
     */
    function fillWithPermit(Order calldata order, bytes calldata signature, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /**
     * @notice Cancels one order for good.
     * @param order the order to cancel, exactly as signed
     * @dev Requirements: the caller is `order.seller`; the order is not cancelled yet.
     * Emits {OrderCancelled}.
     */
    function cancel(Order calldata order) external;

    /**
     * @notice Cancels every open order of the caller at once by moving to the next nonce.
     * @return newNonce the nonce new orders must carry
     * @dev Emits {NonceIncremented}.
     */
    function incrementNonce() external returns (uint256);

    /**
     * @notice EIP-712 hash of `order` (what the seller signs).
     * @param order the order
     * @return hash its typed-data hash under this marketplace's domain
     */
    function orderHash(Order calldata order) external view returns (bytes32 hash);

    /**
     * @notice Units of an order sold so far (a paid whole ticket counts as sold once the escrow holds its
     * seller's credit under the order hash).
     * @param orderHash the order's EIP-712 hash
     * @return units sold
     */
    function filled(bytes32 orderHash) external view returns (uint256 units);

    /**
     * @notice The nonce the seller's valid orders carry.
     * @param seller the seller
     * @return nonce the current nonce
     */
    function nonces(address seller) external view returns (uint256 nonce);

    /**
     * @notice Platform fee and who receives it.
     * @return feeBps the fee in basis points
     * @return recipient the fee recipient
     */
    function platformFee() external view returns (uint16 feeBps, address recipient);
}
