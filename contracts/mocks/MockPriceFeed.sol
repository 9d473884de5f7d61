// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/**
 * @title MockPriceFeed
 * @notice A Chainlink-style price feed for the embedded chain and testnets without a Chainlink feed: the
 * owner sets the answer; every answer starts a new round. Real chains use Chainlink's own feed
 * (PRICE_FEED_ADDRESS), which the app reads through the same {AggregatorV3Interface}.
 */
contract MockPriceFeed is AggregatorV3Interface, Ownable {
    struct Round {
        int256 answer;
        uint64 updatedAt;
    }

    uint8 private immutable _DECIMALS;
    string private _description;
    uint80 private _latestRound;
    mapping(uint80 roundId => Round) private _rounds;

    /// @notice `answer` is not a positive price.
    error PriceFeedInvalidAnswer(int256 answer);
    /// @notice Round `roundId` was never published.
    error PriceFeedUnknownRound(uint80 roundId);

    /**
     * @notice A new round was published by the owner (Chainlink's event).
     * @param current the answer
     * @param roundId the new round
     * @param updatedAt when it was published
     */
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /**
     * @notice Deploys the feed and publishes the first round.
     * @param owner_ the account that may publish answers
     * @param decimals_ decimals of the answer (Chainlink's USD feeds use 8)
     * @param description_ e.g. "POL / USD"
     * @param initialAnswer the first round's answer
     */
    constructor(address owner_, uint8 decimals_, string memory description_, int256 initialAnswer) Ownable(owner_) {
        _DECIMALS = decimals_;
        _description = description_;
        _publish(initialAnswer);
    }

    /**
     * @notice Publishes a new answer as the next round.
     * @param answer the price, with {decimals} decimals
     * @dev Requirements: caller is the owner; `answer` > 0. Emits {AnswerUpdated}.
     */
    function setAnswer(int256 answer) external onlyOwner {
        _publish(answer);
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _DECIMALS;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 4;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory round = _rounds[roundId];
        if (round.updatedAt == 0) revert PriceFeedUnknownRound(roundId);
        return (roundId, round.answer, round.updatedAt, round.updatedAt, roundId);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        uint80 roundId = _latestRound;
        Round memory round = _rounds[roundId];
        return (roundId, round.answer, round.updatedAt, round.updatedAt, roundId);
    }

    function _publish(int256 answer) private {
        if (answer <= 0) revert PriceFeedInvalidAnswer(answer);
        // Cannot overflow: one round per transaction, far below 2^80.
        uint80 roundId;
        unchecked {
            roundId = _latestRound + 1;
        }
        _latestRound = roundId;
        _rounds[roundId] = Round({answer: answer, updatedAt: uint64(block.timestamp)});
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }
}
