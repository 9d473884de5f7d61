// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IPaymentEscrow
 * @notice Holds money until it is owed, and pays it out only when the payee asks (pull payments):
 *  - primary-sale proceeds per ticket contract, withdrawn by the event's promoter once the show has started;
 *  - refunds when an event is cancelled: the holder of a ticket bought on chain claims exactly its
 *    primary price, once per ticket;
 *  - credits from marketplace sales (seller, royalty, platform fee), in the native coin or the one ERC-20,
 *    withdrawn by each payee; a whole-ticket sale's seller share is kept per order hash (the record also
 *    marks the order filled) and withdrawn with `withdrawSales`.
 * Invariant: for each currency, the escrow's balance equals everything it still owes.
 */
interface IPaymentEscrow {
    /**
     * @notice A primary sale's payment is held for the event's promoter.
     * @param ticket the event's ticket contract
     * @param buyer who paid
     * @param firstTokenId the first ticket bought
     * @param quantity tickets bought
     * @param amount wei received
     */
    event PrimaryDeposited(address indexed ticket, address indexed buyer, uint256 firstTokenId, uint256 quantity, uint256 amount);
    /**
     * @notice The promoter of `ticket` was paid its primary-sale proceeds.
     * @param ticket the event's ticket contract
     * @param promoter who was paid
     * @param amount wei paid
     */
    event ProceedsWithdrawn(address indexed ticket, address indexed promoter, uint256 amount);
    /**
     * @notice The holder of a cancelled event's ticket was refunded.
     * @param ticket the event's ticket contract
     * @param tokenId the refunded ticket
     * @param holder who was paid
     * @param amount wei paid
     */
    event RefundClaimed(address indexed ticket, uint256 indexed tokenId, address indexed holder, uint256 amount);
    /**
     * @notice `amount` of `currency` is held for `payee` (royalty, fee, share sale).
     * @param payee who may withdraw it
     * @param currency address(0) for the native coin, else the ERC-20
     * @param amount the credit added
     */
    event Credited(address indexed payee, address indexed currency, uint256 amount);
    /**
     * @notice `payee` withdrew its credits in `currency`.
     * @param payee who was paid
     * @param currency address(0) for the native coin, else the ERC-20
     * @param amount what was paid
     */
    event Withdrawn(address indexed payee, address indexed currency, uint256 amount);
    /**
     * @notice The seller's share of the whole-ticket resale `orderHash` is held for `seller`.
     * @param orderHash the marketplace order's EIP-712 hash
     * @param seller the order's seller
     * @param currency address(0) for the native coin, else the ERC-20
     * @param amount the seller's share
     */
    event SaleCredited(bytes32 indexed orderHash, address indexed seller, address indexed currency, uint256 amount);
    /**
     * @notice The seller's share of the sale `orderHash` was paid out.
     * @param orderHash the marketplace order's EIP-712 hash
     * @param seller who was paid
     * @param currency address(0) for the native coin, else the ERC-20
     * @param amount what was paid
     */
    event SaleWithdrawn(bytes32 indexed orderHash, address indexed seller, address indexed currency, uint256 amount);
    /**
     * @notice The ERC-20 accepted besides the native coin changed.
     * @param token the new token (zero: none)
     */
    event AllowedTokenSet(address indexed token);

    /**
     * @notice Records the payment of a primary sale. Called by the ticket contract inside `buy`.
     * @param buyer who bought
     * @param firstTokenId first ticket bought
     * @param quantity tickets bought
     * @dev Requirements: caller is a ticket contract registered in the factory.
     * Emits {PrimaryDeposited}.
     */
    function depositPrimary(address buyer, uint256 firstTokenId, uint256 quantity) external payable;
    /**
     * @notice Pays the primary-sale proceeds of `ticket` to the event's promoter.
     * @param ticket the event's ticket contract
     * @return amount wei paid
     * @dev Requirements: `ticket` registered; caller is its promoter; the show has started; the event is not
     * cancelled; proceeds nonzero. Emits {ProceedsWithdrawn}.
     */
    function withdrawProceeds(address ticket) external returns (uint256 amount);
    /**
     * @notice Pays the holder of a cancelled event's ticket what was paid for it on chain, once per ticket.
     * @param ticket the event's ticket contract
     * @param tokenId the ticket
     * @return amount wei paid (the ticket's `primaryPaid`)
     * @dev Requirements: `ticket` registered and cancelled; caller holds `tokenId`; not refunded yet; the
     * ticket was bought on chain. Emits {RefundClaimed}.
     */
    function claimRefund(address ticket, uint256 tokenId) external returns (uint256 amount);
    /**
     * @notice Credits marketplace payouts (seller, royalty, fee) to be withdrawn by each payee.
     * @param currency address(0) for the native coin, else the allowed ERC-20
     * @param payees who is owed
     * @param amounts how much each is owed
     * @dev Requirements: caller is the factory's marketplace; equal lengths; no zero payee; native:
     * `msg.value` equals the sum; ERC-20: no value sent, `currency` is the allowed token, and the escrow's
     * token balance covers everything owed in it afterwards (the marketplace transfers first).
     * Emits {Credited} per payee.
     */
    function credit(address currency, address[] calldata payees, uint256[] calldata amounts) external payable;
    /**
     * @notice Credits a whole-ticket resale: the seller's share under the marketplace order hash (withdrawn with
     * {withdrawSales}), royalty and fee per payee as in {credit}. An order hash is credited once, ever: the
     * seller's record is what stops the order from being filled twice, and it stays after withdrawal.
     * @param orderHash the marketplace order's EIP-712 hash
     * @param currency address(0) for the native coin, else the allowed ERC-20
     * @param seller the order's seller
     * @param sellerAmount the seller's share (below 2^96)
     * @param payees the other payees (royalty receiver, fee recipient)
     * @param amounts their shares
     * @dev Requirements: those of {credit} (the sum includes `sellerAmount`); `seller` nonzero; `orderHash`
     * never credited before. Emits {SaleCredited} and {Credited} per payee.
     */
    function creditSale(bytes32 orderHash, address currency, address seller, uint256 sellerAmount, address[] calldata payees, uint256[] calldata amounts) external payable;
    /**
     * @notice Pays the caller the seller's share of whole-ticket resales, all in one currency.
     * @param orderHashes the marketplace order hashes of the caller's sales
     * @return amount what was paid
     * @dev Requirements: at least one hash; the caller is the seller of each; none withdrawn yet; all in the
     * currency of the first. Emits {SaleWithdrawn} per sale.
     */
    function withdrawSales(bytes32[] calldata orderHashes) external returns (uint256 amount);
    /**
     * @notice Pays the caller everything credited to it in `currency`.
     * @param currency address(0) for the native coin, else an ERC-20 credited before
     * @return amount what was paid
     * @dev Requirements: something is owed. Emits {Withdrawn}.
     */
    function withdraw(address currency) external returns (uint256 amount);

    /**
     * @notice Sets the one ERC-20 `credit` accepts besides the native coin (zero: none). Credits already
     * made in a previous token stay withdrawable.
     * @param token the ERC-20 (TestUSDC locally, USDC on a real network)
     * @dev Requirements: caller holds DEFAULT_ADMIN_ROLE on the factory. Emits {AllowedTokenSet}.
     */
    function setAllowedToken(address token) external;

    /// @notice The TicketFactory this escrow trusts.
    function factory() external view returns (address);

    /// @notice The ERC-20 accepted by `credit` besides the native coin.
    function allowedToken() external view returns (address);

    /**
     * @notice Unpaid primary-sale proceeds of `ticket`.
     * @param ticket the event's ticket contract
     * @return amount wei held for its promoter
     */
    function proceeds(address ticket) external view returns (uint256 amount);
    /**
     * @notice What `payee` may withdraw in `currency`.
     * @param payee the account credited
     * @param currency address(0) for the native coin, else the ERC-20
     * @return amount the credit
     */
    function credits(address payee, address currency) external view returns (uint256 amount);
    /**
     * @notice Whether the refund of `tokenId` of `ticket` was paid.
     * @param ticket the event's ticket contract
     * @param tokenId the ticket
     * @return paid true once refunded
     */
    function refunded(address ticket, uint256 tokenId) external view returns (bool paid);
    /**
     * @notice The whole-ticket sale `orderHash`.
     * @param orderHash the marketplace order's EIP-712 hash
     * @return seller the seller (zero: no such sale)
     * @return currency address(0) for the native coin, else the ERC-20
     * @return amount the unpaid seller share (0 once withdrawn)
     */
    function sale(bytes32 orderHash) external view returns (address seller, address currency, uint256 amount);
    /**
     * @notice Everything owed in `currency`: unpaid proceeds (native only) plus credits.
     * @param currency address(0) for the native coin, else the ERC-20
     * @return amount the total the escrow must hold in that currency
     */
    function totalOwed(address currency) external view returns (uint256 amount);
}
