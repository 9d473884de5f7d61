import type { LoaderFunctionArgs } from "@remix-run/node";
import { getAddress } from "viem";
import { doorPassTypedData, encodeDoorPass, passExpiresAt, passWindow, PASS_WINDOW_SECONDS, type DoorPass } from "~/lib/door-pass";
import { CHAINS, env } from "~/env.server";
import { DOOR_LIMITS } from "~/services/door-http.server";
import { hit, tooManyRequests } from "~/services/rate-limits.server";
import { requireUser } from "~/services/session.server";
import { ticket as indexedTicket } from "~/services/tickets.server";
import { embeddedAccount, embeddedWalletAddress } from "~/services/wallets.server";
import { getDb } from "../../db/client.server";

/**
 * GET /tickets/pass?ticket=<contract>:<tokenId> — the live door pass of a ticket TicketChain keeps for the
 * signed-in fan, signed with their embedded wallet for the current 30-second window.
 * 200 `{ pass, window, rotatesAt, expiresAt }`; 400 bad ticket name; 404 not yours (or not kept by
 * TicketChain: a wallet's own tickets are signed by the wallet in the browser); 429 too many.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const name = new URL(request.url).searchParams.get("ticket") ?? "";
  const match = /^(0x[0-9a-fA-F]{40}):([1-9]\d{0,76})$/.exec(name);
  if (!match) return Response.json({ error: "Name the ticket as <contract>:<tokenId>." }, { status: 400 });
  const wait = await hit(DOOR_LIMITS.pass, user.id);
  if (wait !== null) return tooManyRequests(wait);
  const db = await getDb();
  const chainId = CHAINS[env().chain].id;
  const embedded = await embeddedWalletAddress(db, user.id);
  const found = await indexedTicket(chainId, match[1]!, match[2]!, db);
  if (!embedded || !found || found.owner.toLowerCase() !== embedded.toLowerCase()) {
    return Response.json({ error: "TicketChain does not keep this ticket for you." }, { status: 404 });
  }
  if (found.checkedIn) return Response.json({ error: "This ticket is already checked in." }, { status: 409 });
  const pass: DoorPass = { chainId, ticket: getAddress(match[1]!), tokenId: BigInt(match[2]!), holder: embedded, window: passWindow() };
  const account = await embeddedAccount(db, user.id);
  const signature = await account.signTypedData(doorPassTypedData(pass));
  return Response.json(
    {
      pass: encodeDoorPass(pass, signature),
      window: pass.window.toString(),
      rotatesAt: Number(pass.window + 1n) * PASS_WINDOW_SECONDS * 1000,
      expiresAt: passExpiresAt(pass.window),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
