import { parseUnits } from "viem";
import { z } from "zod";

/**
 * The event editor's schema, shared by the server (the action answers 400 with these field errors) and
 * the browser (the form's constraints). Money is parsed from decimal text into integers — never floats.
 */

export const MAX_TIERS = 8;
/** TicketFactory.MAX_ROYALTY_BPS */
export const MAX_ROYALTY_BPS = 1_000;

const USD = /^\d{1,7}(\.\d{1,2})?$/;
const COIN = /^\d{1,12}(\.\d{1,18})?$/;
const PERCENT = /^\d{1,5}(\.\d{1,2})?$/;

/** "45" / "45.5" / "45.50" → 4550 (integers only). */
export function dollarsToCents(text: string): number {
  const [whole, fraction = ""] = text.split(".");
  return Number(BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, "0")));
}

/** "2.5" (%) → 250 basis points. */
export function percentToBps(text: string): number {
  const [whole, fraction = ""] = text.split(".");
  return Number(BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, "0")));
}

const optional = (schema: z.ZodString) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v), schema.optional());

export const TierSchema = z
  .object({
    name: z.string().trim().min(1, "Name the tier.").max(60, "At most 60 characters."),
    price: optional(z.string().regex(USD, "A dollar amount like 45 or 45.50.")),
    coin: optional(z.string().regex(COIN, "A coin amount like 180 or 0.05.")),
    supply: z.coerce
      .number({ invalid_type_error: "A whole number of tickets." })
      .int("A whole number of tickets.")
      .min(1, "At least 1 ticket.")
      .max(100_000, "At most 100,000 tickets per tier."),
  })
  .superRefine((tier, ctx) => {
    if (!tier.price && !tier.coin) ctx.addIssue({ code: "custom", path: ["price"], message: "Give a face value in dollars, in coin, or both." });
  })
  .transform((tier) => ({
    name: tier.name,
    priceCents: tier.price ? dollarsToCents(tier.price) : null,
    priceWei: tier.coin ? parseUnits(tier.coin, 18) : null,
    supply: tier.supply,
  }));

export const EventSchema = z.object({
  name: z.string().trim().min(3, "At least 3 characters.").max(120, "At most 120 characters."),
  venue: z.string().trim().min(2, "Name the venue.").max(120, "At most 120 characters."),
  city: z.string().trim().min(2, "Name the city.").max(80, "At most 80 characters."),
  startsAt: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Pick a date and time.")
    .transform((v) => new Date(`${v}:00Z`))
    .refine((d) => !Number.isNaN(d.getTime()), "Pick a date and time.")
    .refine((d) => d.getTime() > Date.now() + 3600_000, "The show must start at least an hour from now."),
  imageUrl: optional(z.string().url("A full https:// address.").regex(/^https?:\/\//, "A full https:// address.").max(500)),
  description: z.string().trim().max(4000, "At most 4,000 characters.").default(""),
  royaltyPercent: z
    .string()
    .trim()
    .regex(PERCENT, "A percentage like 5 or 2.5.")
    .transform(percentToBps)
    .refine((bps) => bps <= MAX_ROYALTY_BPS, `At most ${MAX_ROYALTY_BPS / 100} %.`),
  resaleCapPercent: optional(z.string().regex(PERCENT, "A percentage like 110."))
    .transform((v) => (v ? percentToBps(v) : 0))
    .refine((bps) => bps === 0 || bps >= 10_000, "At least 100 % of the face value (or leave empty for no cap)."),
  tiers: z.array(TierSchema).min(1, "Add at least one tier.").max(MAX_TIERS, `At most ${MAX_TIERS} tiers.`),
});

export type EventInput = z.output<typeof EventSchema>;
export type FieldErrors = Record<string, string>;

/** Reads the editor's FormData (tiers as repeated tierName/tierPrice/tierCoin/tierSupply fields). */
export function eventFormValues(form: FormData) {
  const all = (key: string) => form.getAll(key).map((v) => (typeof v === "string" ? v : ""));
  const names = all("tierName");
  const prices = all("tierPrice");
  const coins = all("tierCoin");
  const supplies = all("tierSupply");
  const one = (key: string) => {
    const v = form.get(key);
    return typeof v === "string" ? v : "";
  };
  return {
    name: one("name"),
    venue: one("venue"),
    city: one("city"),
    startsAt: one("startsAt"),
    imageUrl: one("imageUrl"),
    description: one("description"),
    royaltyPercent: one("royaltyPercent"),
    resaleCapPercent: one("resaleCapPercent"),
    tiers: names.map((name, i) => ({ name, price: prices[i] ?? "", coin: coins[i] ?? "", supply: supplies[i] ?? "" })),
  };
}

/** Field errors keyed "name", "tiers.0.price", … (the first message per field). */
export function parseEventForm(values: unknown): { ok: true; data: EventInput } | { ok: false; errors: FieldErrors } {
  const parsed = EventSchema.safeParse(values);
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.join(".") || "form";
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}
