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
    event PrimaryDeposited(address indexed ticket, address indexed buyer, uint256 firstTokenId, uint256 quantity, uint256 amount);
    event ProceedsWithdrawn(address indexed ticket, address indexed promoter, uint256 amount);
    event RefundClaimed(address indexed ticket, uint256 indexed tokenId, address indexed holder, uint256 amount);
    event Credited(address indexed payee, address indexed currency, uint256 amount);
    event Withdrawn(address indexed payee, address indexed currency, uint256 amount);
    /// @notice The seller's share of the whole-ticket resale `orderHash` is held for `seller`.
    event SaleCredited(bytes32 indexed orderHash, address indexed seller, address indexed currency, uint256 amount);
    /// @notice The seller's share of the sale `orderHash` was paid out.
    event SaleWithdrawn(bytes32 indexed orderHash, address indexed seller, address indexed currency, uint256 amount);
    event AllowedTokenSet(address indexed token);

    /// @notice Called by a registered ticket contract with the buyer's payment.
    function depositPrimary(address buyer, uint256 firstTokenId, uint256 quantity) external payable;
    /// @notice Pays the event's promoter its proceeds. Caller: the promoter; after startsAt; not cancelled.
    function withdrawProceeds(address ticket) external returns (uint256 amount);
    /// @notice Pays the current holder of a cancelled event's ticket what was paid for it on chain, once.
    function claimRefund(address ticket, uint256 tokenId) external returns (uint256 amount);
    /// @notice Records marketplace payouts. Caller: the marketplace. Native: msg.value equals the sum.
    /// ERC-20: the tokens must already be in the escrow (the marketplace transfers them first).
    function credit(address currency, address[] calldata payees, uint256[] calldata amounts) external payable;
    /// @notice Records a whole-ticket resale: the seller's share under the order hash (once per hash, ever),
    /// the other payees as in {credit}. Caller: the marketplace.
    function creditSale(bytes32 orderHash, address currency, address seller, uint256 sellerAmount, address[] calldata payees, uint256[] calldata amounts) external payable;
    /// @notice Pays the caller (the seller) the shares of the given whole-ticket sales, all in one currency.
    function withdrawSales(bytes32[] calldata orderHashes) external returns (uint256 amount);
    /// @notice Pays the caller everything credited to it in `currency` (address(0) = native coin).
    function withdraw(address currency) external returns (uint256 amount);

    /// @notice Sets the one ERC-20 that `credit` accepts besides the native coin (admin of the factory).
    function setAllowedToken(address token) external;

    function factory() external view returns (address);
    function allowedToken() external view returns (address);
    function proceeds(address ticket) external view returns (uint256);
    function credits(address payee, address currency) external view returns (uint256);
    function refunded(address ticket, uint256 tokenId) external view returns (bool);
    /// @notice Seller, currency and unpaid amount of the whole-ticket sale `orderHash` (seller zero: none).
    function sale(bytes32 orderHash) external view returns (address seller, address currency, uint256 amount);
    /// @notice Everything owed in `currency`: unpaid proceeds (native only) plus credits.
    function totalOwed(address currency) external view returns (uint256);
}
