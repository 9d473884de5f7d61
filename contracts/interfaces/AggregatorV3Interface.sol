// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title AggregatorV3Interface
 * @notice Chainlink's price feed interface (as published in @chainlink/contracts, v0.8 folder), restated
 * here so the app and the mock share it without another dependency.
 * @dev Chainlink's published name is kept (not `I…`) so the interface is recognisably theirs.
 */
interface AggregatorV3Interface { // solhint-disable-line interface-starts-with-i
    /// @notice Decimals of the answer.
    /// @return count e.g. 8 for a USD pair
    function decimals() external view returns (uint8 count);

    /// @notice The pair, e.g. "POL / USD".
    /// @return text the description
    function description() external view returns (string memory text);

    /// @notice Version of the aggregator.
    /// @return number the version
    function version() external view returns (uint256 number);

    /**
     * @notice One past round.
     * @param roundId the round asked for
     * @return roundId_ the round answered
     * @return answer the price
     * @return startedAt when the round started
     * @return updatedAt when the answer was written
     * @return answeredInRound the round in which the answer was computed
     */
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /**
     * @notice The latest round.
     * @return roundId the round
     * @return answer the price
     * @return startedAt when the round started
     * @return updatedAt when the answer was written
     * @return answeredInRound the round in which the answer was computed
     */
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
