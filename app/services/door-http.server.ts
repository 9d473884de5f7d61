import { getDb } from "../../db/client.server";
import { doorEventBySlug, type DoorEvent } from "./door.server";
import { clientIp, hit, tooManyRequests, waitMessage } from "./rate-limits.server";
import { requireScanner, sessionToken, type SessionUser } from "./session.server";

/** Velocity limits of the door (Redis-backed when REDIS_URL is set, so every app server counts together). */
export const DOOR_LIMITS = {
  /** scans per steward: a busy gate does ~20 a minute */
  scanUser: { name: "door-scan-user", points: 120, durationSec: 60 },
  /** scans per client IP (a venue's gates may share one address) */
  scanIp: { name: "door-scan-ip", points: 600, durationSec: 60 },
  /** server-signed passes per fan (one per 30-s window per ticket shown) */
  pass: { name: "door-pass", points: 30, durationSec: 60 },
};

/**
 * How long the scan route (requireDoorScan) reuses a steward's successful door check (session row, role
 * or event staff, the event row) for the same session cookie and event. A scan then costs no database
 * read before the check-in statement. The price: signing a steward out, removing them from the staff or
 * cancelling the event takes up to this long to reach the door (docs/decisions/011-door-check-in.md).
 */
export const DOOR_AUTH_TTL_MS = 5_000;
const DOOR_AUTH_ENTRIES = 10_000;

interface DoorAuth {
  user: SessionUser;
  event: DoorEvent;
  until: number;
}

const AUTH_KEY = Symbol.for("ticketchain.doorAuth");
type GlobalWithDoorAuth = typeof globalThis & { [AUTH_KEY]?: Map<string, DoorAuth> };

function authCache(): Map<string, DoorAuth> {
  const g = globalThis as GlobalWithDoorAuth;
  return (g[AUTH_KEY] ??= new Map());
}

/** Tests: forget the cached door checks. */
export function resetDoorAuth() {
  authCache().clear();
}

/** The event named by the URL and its signed-in door staff; throws 404 / 401 / 403 Responses. */
export async function requireDoor(request: Request, slug: string | undefined): Promise<{ user: SessionUser; event: DoorEvent }> {
  const event = slug ? await doorEventBySlug(await getDb(), slug) : null;
  if (!event) throw Response.json({ error: "No such event." }, { status: 404 });
  const user = await requireScanner(request, event.id);
  return { user, event };
}

/**
 * `requireDoor` for the scan route: a success is reused for DOOR_AUTH_TTL_MS for the same session cookie
 * and event. Refusals are not kept (a steward added to the staff gets in at once).
 */
export async function requireDoorScan(request: Request, slug: string | undefined): Promise<{ user: SessionUser; event: DoorEvent }> {
  const token = sessionToken(request);
  const key = token && slug ? `${slug}\n${token}` : null;
  const cache = authCache();
  const now = Date.now();
  const cached = key ? cache.get(key) : undefined;
  if (cached && cached.until > now) return { user: cached.user, event: cached.event };
  const { user, event } = await requireDoor(request, slug);
  if (key) {
    if (cache.size >= DOOR_AUTH_ENTRIES) {
      for (const [k, v] of cache) if (v.until <= now) cache.delete(k);
      if (cache.size >= DOOR_AUTH_ENTRIES) cache.clear();
    }
    cache.set(key, { user, event, until: now + DOOR_AUTH_TTL_MS });
  }
  return { user, event };
}

/** Null when the steward may scan; otherwise a 429 JSON Response with the wait. */
export async function scanLimit(user: SessionUser, context: unknown): Promise<Response | null> {
  const wait = (await hit(DOOR_LIMITS.scanUser, user.id)) ?? (await hit(DOOR_LIMITS.scanIp, clientIp(context)));
  if (wait === null) return null;
  return tooManyRequests(wait, { ok: false, reason: `Scanning too fast: ${waitMessage(wait).replace("Too many attempts: ", "")}` });
}
