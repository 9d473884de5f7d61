import type { MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Fragment } from "react";
import { devMailbox, recentMail } from "~/services/mail.server";
import { getDb } from "../../db/client.server";

export const meta: MetaFunction = () => [{ title: "Dev mailbox — TicketChain" }];

/** /dev/mailbox: mail the app would have sent (embedded defaults only; 404 once SMTP_URL is set). */
export async function loader() {
  if (!devMailbox()) throw new Response("Not found", { status: 404 });
  const mails = await recentMail(await getDb());
  return { mails: mails.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })) };
}

const timeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

/** Plain text with its http(s) links made clickable. */
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s]+)/g);
  return (
    <>
      {parts.map((part, i) =>
        /^https?:\/\//.test(part) ? (
          <a key={i} href={part} className="break-all font-medium text-brand-700 underline">
            {part}
          </a>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}

export default function DevMailbox() {
  const { mails } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1 className="text-3xl font-bold tracking-tight">Dev mailbox</h1>
      <p className="mt-1 text-zinc-600">
        No SMTP server is configured (<code className="text-sm">SMTP_URL</code>), so mail stays here. Newest first.
      </p>
      {mails.length === 0 ? (
        <p className="mt-8 rounded-lg border border-dashed border-zinc-300 p-8 text-center text-zinc-600">No mail yet.</p>
      ) : (
        <ol className="mt-6 space-y-4" aria-label="Mail">
          {mails.map((mail) => (
            <li key={mail.id} className="rounded-xl border border-zinc-200 bg-white p-5 shadow-sm">
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h2 className="font-semibold">{mail.subject}</h2>
                <time dateTime={mail.createdAt} className="text-xs text-zinc-500">
                  {timeFormat.format(new Date(mail.createdAt))} UTC
                </time>
              </div>
              <p className="text-sm text-zinc-600">To: {mail.to}</p>
              <pre className="mt-3 whitespace-pre-wrap font-sans text-sm text-zinc-800">
                <Linkified text={mail.text} />
              </pre>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
