import { getDb } from "../../db/client.server";
import { doorEventBySlug, type DoorEvent } from "./door.server";
import { clientIp, hit, tooManyRequests, waitMessage } from "./rate-limits.server";
import { requireScanner, type SessionUser } from "./session.server";

/** Velocity limits of the door (Redis-backed when REDIS_URL is set, so every app server counts together). */
export const DOOR_LIMITS = {
  /** scans per steward: a busy gate does ~20 a minute */
  scanUser: { name: "door-scan-user", points: 120, durationSec: 60 },
  /** scans per client IP (a venue's gates may share one address) */
  scanIp: { name: "door-scan-ip", points: 600, durationSec: 60 },
  /** server-signed passes per fan (one per 30-s window per ticket shown) */
  pass: { name: "door-pass", points: 30, durationSec: 60 },
};

/** The event named by the URL and its signed-in door staff; throws 404 / 401 / 403 Responses. */
export async function requireDoor(request: Request, slug: string | undefined): Promise<{ user: SessionUser; event: DoorEvent }> {
  const event = slug ? await doorEventBySlug(await getDb(), slug) : null;
  if (!event) throw Response.json({ error: "No such event." }, { status: 404 });
  const user = await requireScanner(request, event.id);
  return { user, event };
}

/** Null when the steward may scan; otherwise a 429 JSON Response with the wait. */
export async function scanLimit(user: SessionUser, context: unknown): Promise<Response | null> {
  const wait = (await hit(DOOR_LIMITS.scanUser, user.id)) ?? (await hit(DOOR_LIMITS.scanIp, clientIp(context)));
  if (wait === null) return null;
  return tooManyRequests(wait, { ok: false, reason: `Scanning too fast: ${waitMessage(wait).replace("Too many attempts: ", "")}` });
}
