/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys
 * (`line_items[0][price_data][unit_amount]=4500`, `expand[0]=payment_intent`, `metadata[orderId]=…`).
 * Decodes into nested objects; numeric keys make arrays. Values stay strings, as Stripe receives them.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

export function decodeStripeForm(body: string | URLSearchParams): Record<string, FormValue> {
  const params = typeof body === "string" ? new URLSearchParams(body) : body;
  const root: Record<string, FormValue> = {};
  for (const [rawKey, value] of params) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!match) continue;
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    let node: Record<string, FormValue> | FormValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const last = i === path.length - 1;
      const index = key === "" && Array.isArray(node) ? node.length : key;
      if (last) {
        (node as Record<string, FormValue>)[index as string] = value;
        break;
      }
      const nextIsIndex = /^\d*$/.test(path[i + 1]!);
      const container = node as Record<string, FormValue>;
      if (container[index as string] === undefined || typeof container[index as string] === "string") {
        container[index as string] = nextIsIndex ? [] : {};
      }
      node = container[index as string] as Record<string, FormValue> | FormValue[];
    }
  }
  return compactArrays(root) as Record<string, FormValue>;
}

/** Arrays built from sparse indices (`[0]`, `[2]`) are compacted, in index order. */
function compactArrays(value: FormValue): FormValue {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compactArrays);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactArrays(v)]));
}
