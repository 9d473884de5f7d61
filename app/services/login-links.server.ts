import { createHash, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client.server";
import { loginTokens } from "../../db/schema";
import { sendMail } from "./mail.server";

/**
 * One-time email sign-in links. The token (32 random bytes, base64url) travels only in the mail; the
 * database keeps its SHA-256, so a copy of the database opens no account. A link works once, for
 * 15 minutes; consuming it is one atomic UPDATE.
 */

export const LOGIN_TOKEN_TTL_MS = 15 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Creates a token for `email` and mails the link (to `origin`/auth/email/<token>). */
export async function sendLoginLink(db: Db, email: string, origin: URL): Promise<void> {
  const token = randomBytes(32).toString("base64url");
  await db.insert(loginTokens).values({ tokenHash: hashToken(token), email, expiresAt: new Date(Date.now() + LOGIN_TOKEN_TTL_MS) });
  await db.delete(loginTokens).where(sql`${loginTokens.expiresAt} < now() - interval '1 day'`);
  const link = new URL(`/auth/email/${token}`, origin).toString();
  await sendMail(db, {
    to: email,
    subject: "Your TicketChain sign-in link",
    link,
    text: [
      "Hello,",
      "",
      "Use this link to sign in to TicketChain and see your tickets:",
      "",
      link,
      "",
      "It works once and expires in 15 minutes. If you did not ask for it, you can ignore this email:",
      "nobody can sign in without the link.",
      "",
      "— TicketChain",
    ].join("\n"),
  });
}

/** Consumes a token: returns its email once, or null (unknown, used or expired). */
export async function consumeLoginToken(db: Db, token: string): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const [row] = await db
    .update(loginTokens)
    .set({ usedAt: sql`now()` })
    .where(sql`${loginTokens.tokenHash} = ${hashToken(token)} and ${loginTokens.usedAt} is null and ${loginTokens.expiresAt} > now()`)
    .returning({ email: loginTokens.email });
  return row?.email ?? null;
}
