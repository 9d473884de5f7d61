import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { ConnectWallet } from "~/components/ConnectWallet";
import { sendLoginLink } from "~/services/login-links.server";
import { devMailbox } from "~/services/mail.server";
import { clientIp, hit, LIMITS, waitMessage } from "~/services/rate-limits.server";
import { getUser } from "~/services/session.server";
import { appOrigin } from "~/services/siwe.server";
import { getDb } from "../../db/client.server";
import { readForm } from "~/services/forms.server";

export const meta: MetaFunction = () => [{ title: "Sign in — TicketChain" }];

export const LoginSchema = z.object({
  email: z
    .string({ required_error: "Enter your email address." })
    .trim()
    .toLowerCase()
    .max(254, "That email address is too long.")
    .email("Enter a valid email address, like you@example.com."),
});

/** Only same-site paths: never an absolute URL (open redirect). */
export function safeRedirect(to: string | null | undefined, fallback = "/tickets"): string {
  if (!to || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get("redirectTo"));
  if (await getUser(request)) throw redirect(redirectTo);
  return { devMailbox: devMailbox(), redirectTo };
}

type ActionData = { ok: true; email: string } | { ok: false; fieldError?: string; formError?: string; email?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request);
  const parsed = LoginSchema.safeParse({ email: form.get("email") ?? undefined });
  if (!parsed.success) {
    return Response.json({ ok: false, fieldError: parsed.error.issues[0]!.message, email: String(form.get("email") ?? "") } satisfies ActionData, { status: 400 });
  }
  const { email } = parsed.data;
  for (const [limit, key] of [
    [LIMITS.loginEmail, email],
    [LIMITS.loginIp, clientIp(context)],
  ] as const) {
    const wait = await hit(limit, key);
    if (wait !== null) {
      return Response.json({ ok: false, formError: waitMessage(wait), email } satisfies ActionData, {
        status: 429,
        headers: { "Retry-After": String(wait) },
      });
    }
  }
  await sendLoginLink(await getDb(), email, appOrigin(request));
  return Response.json({ ok: true, email } satisfies ActionData);
}

export default function Login() {
  const { devMailbox: showMailbox } = useLoaderData<typeof loader>();
  const result = useActionData<ActionData>();
  const navigation = useNavigation();
  const sending = navigation.state === "submitting" && navigation.formAction?.startsWith("/login");
  const error = result && !result.ok ? result : null;

  return (
    <div className="mx-auto max-w-3xl">
      <h1 className="text-3xl font-bold tracking-tight">Sign in</h1>
      <p className="mt-1 text-zinc-600">See your tickets, move them to your own wallet, and get into the show.</p>

      <div className="mt-8 grid gap-6 md:grid-cols-2">
        <section aria-labelledby="email-heading" className="rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm">
          <h2 id="email-heading" className="text-lg font-semibold">
            With your email
          </h2>
          <p className="mt-1 text-sm text-zinc-600">
            Bought tickets by card? Use the email address you paid with. We send you a link that signs you in — no
            password to remember.
          </p>
          {result?.ok ? (
            <div role="status" className="mt-5 rounded-xl bg-emerald-50 p-4 text-sm text-emerald-900">
              <p className="font-semibold">Check your inbox</p>
              <p className="mt-1">
                We sent a sign-in link to <strong>{result.email}</strong>. It works once, for 15 minutes.
              </p>
              {showMailbox ? (
                <p className="mt-2">
                  Running locally: mail is not sent, open the{" "}
                  <Link to="/dev/mailbox" className="font-medium underline">
                    dev mailbox
                  </Link>
                  .
                </p>
              ) : null}
            </div>
          ) : (
            <Form method="post" className="mt-5" noValidate>
              <label htmlFor="email" className="block text-sm font-medium text-zinc-800">
                Email address
              </label>
              <input
                id="email"
                name="email"
                type="email"
                autoComplete="email"
                required
                maxLength={254}
                defaultValue={error?.email}
                aria-invalid={error?.fieldError ? true : undefined}
                aria-describedby={error?.fieldError ? "email-error" : undefined}
                placeholder="you@example.com"
                className="mt-1 block w-full rounded-lg border border-zinc-300 px-3 py-2 text-base shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30"
              />
              {error?.fieldError ? (
                <p id="email-error" className="mt-1 text-sm text-red-700">
                  {error.fieldError}
                </p>
              ) : null}
              {error?.formError ? (
                <p role="alert" className="mt-3 rounded-lg bg-red-50 p-3 text-sm text-red-800">
                  {error.formError}
                </p>
              ) : null}
              <button
                type="submit"
                disabled={sending}
                className="mt-4 w-full rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60"
              >
                {sending ? "Sending…" : "Email me a sign-in link"}
              </button>
            </Form>
          )}
        </section>

        <section aria-labelledby="wallet-heading" className="rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm">
          <h2 id="wallet-heading" className="text-lg font-semibold">
            With your wallet
          </h2>
          <p className="mt-1 text-sm text-zinc-600">
            Connect your wallet, then sign a message to prove it is yours. Signing is free: it sends no transaction
            and moves no funds.
          </p>
          <div className="mt-5">
            <ConnectWallet />
          </div>
        </section>
      </div>

      <p className="mt-8 text-center text-sm text-zinc-500">
        Your tickets are NFTs: whichever way you sign in, they stay yours on the blockchain.
      </p>
    </div>
  );
}
