import { z } from "zod";

/**
 * The card checkout form, validated in the browser (constraints of CardCheckoutForm) and on the server
 * (the /checkout action) by this one schema.
 */
export const MAX_TICKETS_PER_ORDER = 10;
/** How long seats stay held while the buyer is on the payment page. */
export const RESERVATION_MINUTES = 15;

const empty = (value: unknown) => (value === "" || value === null ? undefined : value);

export const checkoutSchema = z
  .object({
    eventSlug: z.preprocess(empty, z.string().regex(/^[a-z0-9-]{1,120}$/, "This event address is not valid.").optional()),
    eventId: z.preprocess(empty, z.string().uuid("This event id is not valid.").optional()),
    tierId: z.string({ required_error: "Choose a ticket type." }).uuid("Choose a ticket type."),
    quantity: z.coerce
      .number({ invalid_type_error: "Enter how many tickets you want." })
      .int("Enter a whole number of tickets.")
      .min(1, "Choose at least 1 ticket.")
      .max(MAX_TICKETS_PER_ORDER, `You can buy at most ${MAX_TICKETS_PER_ORDER} tickets per order.`),
    email: z.preprocess(empty, z.string().trim().toLowerCase().max(254).email("Enter a valid email address.").optional()),
    /** where to come back to with a message (same-site path only) */
    returnTo: z.preprocess(empty, z.string().regex(/^\/(?!\/)[\w\-./?=&%]*$/, "Invalid return path.").optional()),
  })
  .refine((value) => value.eventSlug || value.eventId, { message: "Say which event the tickets are for.", path: ["eventSlug"] });

export type CheckoutInput = z.infer<typeof checkoutSchema>;

/** Field errors as { field: first message }. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    out[key] ??= issue.message;
  }
  return out;
}
