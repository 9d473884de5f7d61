import { Form, useNavigation } from "@remix-run/react";
import { useState, type FormEvent } from "react";
import { MAX_ROYALTY_BPS, MAX_TIERS } from "~/lib/promoter-event";
import { FieldError, input, primaryButton, secondaryButton } from "./ui";

export interface EditorDefaults {
  name?: string;
  venue?: string;
  city?: string;
  startsAt?: string;
  imageUrl?: string;
  description?: string;
  royaltyPercent?: string;
  resaleCapPercent?: string;
  tiers?: { name: string; price: string; coin: string; supply: string }[];
}

export interface EditorProps {
  defaults: EditorDefaults;
  errors: Record<string, string>;
  formError?: string | null;
  chainName: string;
  coin: string;
  /** "1 POL ≈ $0.25" or null when no fresh rate */
  rateText: string | null;
}

const EMPTY_TIER = { name: "", price: "", coin: "", supply: "" };

/**
 * The event editor (create, and create-from-Ticketmaster). One form; tiers are repeated fields. The
 * constraints mirror app/lib/promoter-event.ts, which the server applies again (400 with field errors).
 */
export function EventEditor({ defaults, errors: serverErrors, formError, chainName, coin, rateText }: EditorProps) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formAction === "/promoter/events/new";
  const [tiers, setTiers] = useState(() =>
    (defaults.tiers?.length ? defaults.tiers : [EMPTY_TIER]).map((t, i) => ({ ...t, key: `t${i}` })),
  );
  const [nextKey, setNextKey] = useState(tiers.length);
  // A field's server error disappears once the promoter edits that field (the server checks again on save).
  const [edited, setEdited] = useState<ReadonlySet<string>>(() => new Set());
  const errors = Object.fromEntries(Object.entries(serverErrors).filter(([key]) => !edited.has(key)));
  const forgetError = (event: FormEvent<HTMLFormElement>) => {
    const describedBy = (event.target as HTMLElement).getAttribute("aria-describedby");
    if (describedBy?.startsWith("e-")) setEdited((prev) => new Set(prev).add(describedBy.slice(2)));
  };
  const field = (name: string) => ({
    id: `f-${name}`,
    name,
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `e-${name}` : undefined,
  });

  return (
    <Form method="post" action="/promoter/events/new" className="space-y-8" noValidate onChange={forgetError}>
      {formError ? (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-800">
          {formError}
        </p>
      ) : null}
      <fieldset className="grid gap-4 rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:grid-cols-2 sm:p-6">
        <legend className="px-1 text-base font-semibold">The show</legend>
        <div className="sm:col-span-2">
          <label htmlFor="f-name" className="text-sm font-medium text-zinc-800">
            Event name
          </label>
          <input {...field("name")} required minLength={3} maxLength={120} defaultValue={defaults.name} className={input} />
          <FieldError id="e-name" message={errors.name} />
        </div>
        <div>
          <label htmlFor="f-venue" className="text-sm font-medium text-zinc-800">
            Venue
          </label>
          <input {...field("venue")} required maxLength={120} defaultValue={defaults.venue} className={input} />
          <FieldError id="e-venue" message={errors.venue} />
        </div>
        <div>
          <label htmlFor="f-city" className="text-sm font-medium text-zinc-800">
            City
          </label>
          <input {...field("city")} required maxLength={80} defaultValue={defaults.city} className={input} />
          <FieldError id="e-city" message={errors.city} />
        </div>
        <div>
          <label htmlFor="f-startsAt" className="text-sm font-medium text-zinc-800">
            Doors open (UTC)
          </label>
          <input {...field("startsAt")} type="datetime-local" required defaultValue={defaults.startsAt} className={input} />
          <FieldError id="e-startsAt" message={errors.startsAt} />
        </div>
        <div>
          <label htmlFor="f-imageUrl" className="text-sm font-medium text-zinc-800">
            Image URL <span className="font-normal text-zinc-500">(optional)</span>
          </label>
          <input {...field("imageUrl")} type="url" placeholder="https://…" defaultValue={defaults.imageUrl} className={input} />
          <FieldError id="e-imageUrl" message={errors.imageUrl} />
        </div>
        <div className="sm:col-span-2">
          <label htmlFor="f-description" className="text-sm font-medium text-zinc-800">
            Description
          </label>
          <textarea {...field("description")} rows={4} maxLength={4000} defaultValue={defaults.description} className={input} />
          <FieldError id="e-description" message={errors.description} />
        </div>
      </fieldset>

      <fieldset className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6">
        <legend className="px-1 text-base font-semibold">Chain and resale terms</legend>
        <p className="text-sm text-zinc-700">
          Tickets are issued on <strong>{chainName}</strong>, the network this TicketChain installation runs on (one at a time: Polygon, with
          Ethereum as the backup). Fans pay in {coin} from a wallet, or by card.
        </p>
        <div className="mt-4 grid gap-4 sm:grid-cols-2">
          <div>
            <label htmlFor="f-royaltyPercent" className="text-sm font-medium text-zinc-800">
              Royalty on resales (%)
            </label>
            <input
              {...field("royaltyPercent")}
              inputMode="decimal"
              required
              pattern="\d{1,5}(\.\d{1,2})?"
              defaultValue={defaults.royaltyPercent ?? "5"}
              className={input}
            />
            <p className="mt-1 text-xs text-zinc-500">Paid to you on every resale; at most {MAX_ROYALTY_BPS / 100} %.</p>
            <FieldError id="e-royaltyPercent" message={errors.royaltyPercent} />
          </div>
          <div>
            <label htmlFor="f-resaleCapPercent" className="text-sm font-medium text-zinc-800">
              Resale price cap (% of face value)
            </label>
            <input
              {...field("resaleCapPercent")}
              inputMode="decimal"
              pattern="\d{1,5}(\.\d{1,2})?"
              placeholder="no cap"
              defaultValue={defaults.resaleCapPercent ?? "110"}
              className={input}
            />
            <p className="mt-1 text-xs text-zinc-500">110 lets fans resell for at most 10 % above face value. Empty = no cap.</p>
            <FieldError id="e-resaleCapPercent" message={errors.resaleCapPercent} />
          </div>
        </div>
      </fieldset>

      <fieldset className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6">
        <legend className="px-1 text-base font-semibold">Ticket tiers</legend>
        <p className="text-sm text-zinc-700">
          Give each tier a face value in dollars, in {coin}, or both. The {coin} price is what the contract charges; a missing one is
          converted at the current rate{rateText ? ` (${rateText})` : ""}.
        </p>
        <FieldError id="e-tiers" message={errors.tiers} />
        <ol className="mt-4 space-y-4">
          {tiers.map((tier, i) => (
            <li key={tier.key} className="rounded-xl border border-zinc-200 p-4" aria-label={`Tier ${i + 1}`}>
              <div className="grid gap-3 sm:grid-cols-[2fr_1fr_1fr_1fr_auto] sm:items-start">
                {(
                  [
                    ["name", "tierName", "Tier name", tier.name, { maxLength: 60, required: true }],
                    ["price", "tierPrice", "Price (USD)", tier.price, { inputMode: "decimal" as const, placeholder: "45.00" }],
                    ["coin", "tierCoin", `Price (${coin})`, tier.coin, { inputMode: "decimal" as const, placeholder: "180" }],
                    ["supply", "tierSupply", "Tickets", tier.supply, { inputMode: "numeric" as const, required: true }],
                  ] as const
                ).map(([key, name, label, value, extra]) => {
                  const errorKey = `tiers.${i}.${key}`;
                  return (
                    <div key={key}>
                      <label htmlFor={`f-${name}-${i}`} className="text-sm font-medium text-zinc-800">
                        {label}
                        <span className="sr-only">, tier {i + 1}</span>
                      </label>
                      <input
                        id={`f-${name}-${i}`}
                        name={name}
                        defaultValue={value}
                        aria-invalid={errors[errorKey] ? true : undefined}
                        aria-describedby={errors[errorKey] ? `e-${errorKey}` : undefined}
                        className={input}
                        {...extra}
                      />
                      <FieldError id={`e-${errorKey}`} message={errors[errorKey]} />
                    </div>
                  );
                })}
                <button
                  type="button"
                  className="mt-6 rounded-md px-2 py-2 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-red-700 focus-visible:outline-2 focus-visible:outline-brand-600 disabled:invisible"
                  disabled={tiers.length === 1}
                  onClick={() => setTiers((all) => all.filter((t) => t.key !== tier.key))}
                >
                  Remove<span className="sr-only"> tier {i + 1}</span>
                </button>
              </div>
            </li>
          ))}
        </ol>
        <button
          type="button"
          className={`${secondaryButton} mt-4`}
          disabled={tiers.length >= MAX_TIERS}
          onClick={() => {
            setTiers((all) => [...all, { ...EMPTY_TIER, key: `t${nextKey}` }]);
            setNextKey((n) => n + 1);
          }}
        >
          Add a tier
        </button>
      </fieldset>

      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className={primaryButton} disabled={busy}>
          {busy ? "Saving…" : "Save draft"}
        </button>
        <p className="text-sm text-zinc-600">Nothing goes on chain yet: you review the draft, then publish it from your wallet.</p>
      </div>
    </Form>
  );
}
