// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";

/**
 * @title IFractionalTicketOwnership
 * @notice One ERC-1155 vault for all events: a ticket locked here becomes `shares` fraction tokens with
 * id = fractionId(ticket, tokenId).
 */
interface IFractionalTicketOwnership is IERC1155 {
    enum VaultState {
        None,
        Locked, // ticket in the vault, shares circulating
        Redeemed, // one holder of all shares took the ticket back
        BoughtOut, // someone paid the buyout price and took the ticket; shares redeem for the deposit
        Refunded // event cancelled; the refund was pulled from the escrow; shares redeem for it
    }

    struct Vault {
        address ticket;
        uint256 tokenId;
        uint256 totalShares;
        uint256 ticketPrice; // face value of the ticket, wei (the seed's "ticket price per id")
        uint256 buyoutPrice; // wei; set by the fractionalizer
        uint256 payout; // deposit (buyout) or refund to share among holders
        VaultState state;
    }

    /**
     * @notice A ticket was locked into `shares` fraction tokens.
     * @param id the fraction id
     * @param ticket the ticket contract
     * @param tokenId the ticket
     * @param owner who locked it (and received the shares)
     * @param shares shares minted
     * @param buyoutPrice wei that buys the ticket out
     */
    event Fractionalized(uint256 indexed id, address indexed ticket, uint256 indexed tokenId, address owner, uint256 shares, uint256 buyoutPrice);
    /**
     * @notice The holder of all shares took the ticket back.
     * @param id the fraction id
     * @param holder who redeemed
     */
    event Redeemed(uint256 indexed id, address indexed holder);
    /**
     * @notice Someone paid the buyout price and took the ticket.
     * @param id the fraction id
     * @param buyer who paid
     * @param price wei paid, shared among the share holders
     */
    event BoughtOut(uint256 indexed id, address indexed buyer, uint256 price);
    /**
     * @notice The cancelled event's refund of the ticket was pulled from the escrow.
     * @param id the fraction id
     * @param amount wei collected, shared among the share holders
     */
    event RefundCollected(uint256 indexed id, uint256 amount);
    /**
     * @notice A share holder burned its shares for its part of the payout.
     * @param id the fraction id
     * @param holder who was paid
     * @param shares shares burned
     * @param amount wei paid
     */
    event SharesCashedOut(uint256 indexed id, address indexed holder, uint256 shares, uint256 amount);

    /**
     * @notice Locks the caller's ticket in the vault and mints `shares` fraction tokens of id
     * {fractionId}(ticket, tokenId) to the caller.
     * @param ticket a ticket contract registered by the factory.
     * @param tokenId the ticket to lock; the caller must have approved the vault for it
     * (`approve(vault, tokenId)` or `setApprovalForAll(vault, true)`).
     * @param shares number of shares to mint, from {MIN_SHARES} to {MAX_SHARES}.
     * @param buyoutPrice price in wei at which anyone may later take the ticket ({buyout}).
     * @return id the fraction id.
     * @dev Requirements:
     * - `ticket` is registered (`factory.eventOf(ticket) != 0`);
     * - `shares` in [MIN_SHARES, MAX_SHARES]; `buyoutPrice` in [1, type(uint128).max];
     * - the caller owns the ticket and the vault may transfer it;
     * - no shares of the id are outstanding from an earlier fractionalization;
     * - the ticket may be transferred (not checked in, event not cancelled: the ticket contract refuses
     *   the transfer otherwise, with its own error);
     * - a contract caller must accept ERC-1155 tokens.
     *
     * Emits {Fractionalized} and an ERC-1155 {TransferSingle} (mint); the ticket emits {Transfer}.
     */
    function fractionalize(address ticket, uint256 tokenId, uint256 shares, uint256 buyoutPrice) external returns (uint256 id);

    /**
     * @notice Burns every share of `id` and gives the ticket to the caller.
     * @param id the fraction id.
     * @dev Requirements:
     * - the vault is `Locked`;
     * - the caller holds all shares of `id`;
     * - the ticket may be transferred (the ticket contract refuses it after cancellation: collect the refund
     *   instead) and a contract caller accepts ERC-721 tokens (`safeTransferFrom`).
     *
     * Emits an ERC-1155 {TransferSingle} (burn) and {Redeemed}; the ticket emits {Transfer}.
     */
    function redeem(uint256 id) external;

    /**
     * @notice Buys the ticket of `id` at its buyout price; the payment stays in the vault for the share
     * holders, who take their part with {cashOut}.
     * @param id the fraction id.
     * @dev Requirements:
     * - the vault is `Locked`;
     * - `msg.value` equals the buyout price exactly;
     * - the ticket's event is not cancelled;
     * - the ticket may be transferred (not checked in) and a contract buyer accepts ERC-721 tokens.
     *
     * Emits {BoughtOut}; the ticket emits {Transfer}.
     */
    function buyout(uint256 id) external payable;

    /**
     * @notice After the ticket's event was cancelled, claims the ticket's refund from the escrow its sale paid
     * into (`ticket.escrow()`; the vault is the ticket's holder) so the share holders can {cashOut} their
     * part. Anyone may call it.
     * @param id the fraction id.
     * @dev Requirements:
     * - the vault is `Locked`;
     * - the ticket's event is cancelled;
     * - the escrow pays the refund (it pays each ticket once; nobody can have claimed it before: refunds open
     *   at cancellation, and a cancelled event's ticket can no longer be moved into the vault).
     *
     * A card-minted ticket (`primaryPaid(tokenId) == 0`) has no on-chain refund: the escrow is not called,
     * the vault becomes `Refunded` with a payout of 0 and the shares can still be burned with {cashOut}.
     * The payout is what actually arrived from the escrow.
     *
     * Emits {RefundCollected}; the escrow emits its {IPaymentEscrow-RefundClaimed}.
     */
    function collectRefund(uint256 id) external;

    /**
     * @notice Burns the caller's shares of a bought-out or refunded `id` and pays the caller their part of
     * the payout: `payout × shares / totalShares`, rounded down, or everything left when these are the last
     * outstanding shares.
     * @param id the fraction id.
     * @return amount wei paid to the caller (0 for a card-minted ticket's refund).
     * @dev Requirements:
     * - the vault is `BoughtOut` or `Refunded`;
     * - the caller holds shares of `id`;
     * - a contract caller accepts the native coin.
     *
     * Emits an ERC-1155 {TransferSingle} (burn) and {SharesCashedOut}.
     */
    function cashOut(uint256 id) external returns (uint256 amount);

    /**
     * @notice The fraction id of ticket `tokenId` of `ticket`.
     * @param ticket the ticket contract
     * @param tokenId the ticket
     * @return id uint256(keccak256(abi.encode(ticket, tokenId)))
     */
    function fractionId(address ticket, uint256 tokenId) external pure returns (uint256 id);

    /**
     * @notice The vault record of `id`.
     * @param id the fraction id
     * @return record all zero, state `None`, for an id never fractionalized
     */
    function vault(uint256 id) external view returns (Vault memory record);

    /**
     * @notice Shares of `id` outstanding: minted by {fractionalize} minus burned by {redeem} / {cashOut}.
     * @param id the fraction id
     * @return shares outstanding
     */
    function totalSupply(uint256 id) external view returns (uint256 shares);

    /**
     * @notice Face value of the ticket behind `id`.
     * @param id the fraction id
     * @return price wei (0 for an unknown id)
     */
    function ticketPrice(uint256 id) external view returns (uint256 price);
}
