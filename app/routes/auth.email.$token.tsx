import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link } from "@remix-run/react";
import { consumeLoginToken } from "~/services/login-links.server";
import { createSession } from "~/services/session.server";
import { ensureUserByEmail } from "~/services/wallets.server";
import { getDb } from "../../db/client.server";

export const meta: MetaFunction = () => [{ title: "Sign-in link — TicketChain" }];

/** GET /auth/email/:token — consumes the one-time link, opens a session, goes to /tickets. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = await getDb();
  const email = await consumeLoginToken(db, params.token ?? "");
  if (!email) {
    // Rendered by the component below; 400 so nothing caches or counts it as a page.
    return Response.json({ invalid: true }, { status: 400, headers: { "Cache-Control": "no-store" } });
  }
  const { userId } = await ensureUserByEmail(db, email);
  const headers = await createSession(request, userId, "email", db);
  headers.set("Cache-Control", "no-store");
  return redirect("/tickets", { headers });
}

export default function InvalidLink() {
  return (
    <div className="mx-auto max-w-md rounded-2xl border border-zinc-200 bg-white p-8 text-center shadow-sm">
      <h1 className="text-2xl font-semibold">This sign-in link no longer works</h1>
      <p className="mt-2 text-zinc-600">
        Links work once and expire after 15 minutes. Ask for a new one and use the latest email.
      </p>
      <Link
        to="/login"
        className="mt-6 inline-block rounded-lg bg-brand-700 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-600"
      >
        Get a new link
      </Link>
    </div>
  );
}
