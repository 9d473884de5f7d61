import nodemailer, { type Transporter } from "nodemailer";
import { desc } from "drizzle-orm";
import { env } from "~/env.server";
import type { Db } from "../../db/client.server";
import { mailOutbox } from "../../db/schema";

/**
 * Outgoing mail through nodemailer.
 *  - SMTP_URL set: sent over SMTP from MAIL_FROM. Nothing is kept: the outbox would otherwise hold live
 *    sign-in links in the database.
 *  - embedded defaults (no SMTP_URL): nodemailer builds the message (JSON transport, nothing leaves the
 *    machine), it is stored in `mail_outbox` for the dev mailbox (/dev/mailbox), and one line with the
 *    recipient and the message's link is printed to the console.
 */

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** the one link the mail is about, printed on the console in development */
  link?: string;
}

const GLOBAL_KEY = Symbol.for("ticketchain.mailer");
type GlobalWithMailer = typeof globalThis & { [GLOBAL_KEY]?: { url: string | undefined; transporter: Transporter } };

function transporter(): Transporter {
  const url = env().SMTP_URL;
  const g = globalThis as GlobalWithMailer;
  if (!g[GLOBAL_KEY] || g[GLOBAL_KEY].url !== url) {
    g[GLOBAL_KEY] = { url, transporter: url ? nodemailer.createTransport(url) : nodemailer.createTransport({ jsonTransport: true }) };
  }
  return g[GLOBAL_KEY].transporter;
}

/** Whether mail goes to the dev mailbox (no SMTP_URL). */
export function devMailbox(): boolean {
  return !env().SMTP_URL;
}

export async function sendMail(db: Db, mail: Mail): Promise<void> {
  const from = env().MAIL_FROM;
  await transporter().sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
  if (!devMailbox()) return;
  await db.insert(mailOutbox).values({ to: mail.to, subject: mail.subject, text: mail.text });
  console.log(`[mail] to ${mail.to}: ${mail.subject}${mail.link ? ` — ${mail.link}` : ""} (dev mailbox: /dev/mailbox)`);
}

export async function recentMail(db: Db, limit = 50) {
  return db
    .select({ id: mailOutbox.id, to: mailOutbox.to, subject: mailOutbox.subject, text: mailOutbox.text, createdAt: mailOutbox.createdAt })
    .from(mailOutbox)
    .orderBy(desc(mailOutbox.createdAt))
    .limit(limit);
}
