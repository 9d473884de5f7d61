/**
 * Exact conversion between cents and wei at a Chainlink-style answer (`answer` with `decimals` decimals =
 * the USD price of one coin = 10^18 wei). Integers only; shared by the server (app/services/prices.server.ts)
 * and the checkout in the browser.
 */

const WEI_PER_COIN = 10n ** 18n;

function check(answer: bigint, decimals: number) {
  if (answer <= 0n) throw new RangeError(`price feed answer must be positive, got ${answer}`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) throw new RangeError(`bad feed decimals ${decimals}`);
}

/** wei → cents at `answer` (decimals), rounded half up to the nearest cent. */
export function weiToCents(wei: bigint, answer: bigint, decimals: number): bigint {
  check(answer, decimals);
  if (wei < 0n) throw new RangeError("wei must not be negative");
  const denominator = WEI_PER_COIN * 10n ** BigInt(decimals);
  const numerator = wei * answer * 100n;
  return (numerator * 2n + denominator) / (2n * denominator);
}

/**
 * cents → wei at `answer` (decimals), rounded UP to the next wei: a payment computed this way is never
 * worth less than the cents asked for.
 */
export function centsToWei(cents: bigint, answer: bigint, decimals: number): bigint {
  check(answer, decimals);
  if (cents < 0n) throw new RangeError("cents must not be negative");
  const numerator = cents * WEI_PER_COIN * 10n ** BigInt(decimals);
  const denominator = answer * 100n;
  return (numerator + denominator - 1n) / denominator;
}


/**
 * wei → cents at `answer` (decimals), rounded UP to the next cent: what a card pays for a resale listing
 * priced in wei. The platform's float pays exactly the wei on chain, so it never receives less than it spends
 * (at most one cent more, shown to the buyer with the rate).
 */
export function weiToCentsCeil(wei: bigint, answer: bigint, decimals: number): bigint {
  check(answer, decimals);
  if (wei < 0n) throw new RangeError("wei must not be negative");
  const denominator = WEI_PER_COIN * 10n ** BigInt(decimals);
  return (wei * answer * 100n + denominator - 1n) / denominator;
}
