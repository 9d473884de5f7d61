import { formatUnits } from "viem";

/** Money stays in integer minor units; these only turn them into text. */

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/** 4500 -> "$45.00" (exact: the decimal string is built from integers, never a float). */
export function formatCents(cents: number | bigint): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const text = `${negative ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
  return usd.format(text as unknown as number);
}

/** 180000000000000000000n, "POL" -> "180 POL"; keeps up to 6 significant decimals. */
export function formatWei(wei: bigint | string, symbol: string): string {
  const [whole, fraction = ""] = formatUnits(BigInt(wei), 18).split(".");
  const trimmed = fraction.slice(0, 6).replace(/0+$/, "");
  const grouped = BigInt(whole).toLocaleString("en-US");
  return `${grouped}${trimmed ? `.${trimmed}` : ""} ${symbol}`;
}

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

/** Same text on the server and in the browser (fixed time zone), so hydration matches. */
export function formatEventDate(date: Date | string): string {
  return dateFormat.format(new Date(date));
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
