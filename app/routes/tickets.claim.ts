import type { ActionFunctionArgs } from "@remix-run/node";
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import { MAX_CLAIM } from "~/lib/tickets";
import { ClaimError, claimTickets } from "~/services/claim.server";
import { hit, LIMITS, tooManyRequests } from "~/services/rate-limits.server";
import { commitSession, requireUser } from "~/services/session.server";
import { getDbHandle } from "../../db/client.server";

/**
 * POST /tickets/claim — move tickets from the wallet TicketChain keeps for you to your own wallet.
 * JSON `{ to, tickets: ["<contract>:<tokenId>", …] }` or `{ to, all: true }` (forms: `to`, `ticket`…, `all`).
 * 200 `{ to, txHash, results: [{ contract, tokenId, ok, message }] }`; 400 with `error` (and `results`)
 * when nothing could be moved.
 */
export const ClaimSchema = z
  .object({
    to: z
      .string({ required_error: "Enter the address of your wallet." })
      .trim()
      .refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v), "Enter a wallet address: 0x followed by 40 hex digits.")
      .refine((v) => isAddress(v), "This address has a typo (its checksum does not match): copy it again from your wallet.")
      .transform((v) => getAddress(v)),
    tickets: z
      .array(z.string().regex(/^0x[0-9a-fA-F]{40}:[1-9]\d{0,76}$/, "Tickets are named <contract>:<tokenId>."))
      .max(MAX_CLAIM, `Claim at most ${MAX_CLAIM} tickets at a time.`)
      .optional(),
    all: z.boolean().optional(),
  })
  .refine((v) => v.all || (v.tickets && v.tickets.length > 0), { message: "Choose the tickets to claim (or all).", path: ["tickets"] });

async function readBody(request: Request): Promise<unknown> {
  if ((request.headers.get("content-type") ?? "").includes("application/json")) return request.json();
  const form = await request.formData();
  return {
    to: form.get("to") ?? undefined,
    tickets: form.getAll("ticket").map(String),
    all: form.get("all") === "1" || form.get("all") === "true",
  };
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "Use POST." }, { status: 405 });
  const user = await requireUser(request);
  const headers = await commitSession(request);
  const reply = (body: unknown, status = 200) => Response.json(body, { status, headers });

  let body: unknown;
  try {
    body = await readBody(request);
  } catch {
    return reply({ error: "Send JSON { to, tickets } or a form." }, 400);
  }
  const parsed = ClaimSchema.safeParse(body);
  if (!parsed.success) return reply({ error: parsed.error.issues[0]!.message }, 400);

  const wait = await hit(LIMITS.claim, user.id);
  if (wait !== null) return tooManyRequests(wait, {}, headers);

  const { to, tickets, all } = parsed.data;
  const refs = all
    ? null
    : tickets!.map((key) => {
        const [contract, tokenId] = key.split(":");
        return { contract: getAddress(contract!), tokenId: BigInt(tokenId!) };
      });
  try {
    const outcome = await claimTickets(await getDbHandle(), user.id, to, refs);
    const moved = outcome.results.filter((r) => r.ok).length;
    if (!moved) {
      const reasons = outcome.results.map((r) => r.message).join(" ");
      return reply({ error: reasons || "Nothing could be claimed.", ...outcome }, 400);
    }
    return reply(outcome);
  } catch (error) {
    if (error instanceof ClaimError) return reply({ error: error.message }, error.status);
    console.error(`[claim] failed for user ${user.id}: ${(error as Error).message.split("\n")[0]}`);
    return reply({ error: "The claim could not be completed right now. Check My tickets in a minute before trying again." }, 503);
  }
}

export async function loader() {
  return Response.json({ error: "Use POST." }, { status: 405 });
}
