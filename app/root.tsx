import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { ConnectWallet } from "~/components/ConnectWallet";
import { UserMenu } from "~/components/UserMenu";
import { publicEnv } from "~/env.server";
import { useNonce } from "~/lib/nonce";
import { commitSession, getUser } from "~/services/session.server";
import stylesheet from "~/tailwind.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request);
  // A rotated session cookie rides on the document response (Remix keeps parents' Set-Cookie).
  return Response.json(
    {
      ENV: publicEnv(),
      user: user ? { email: user.email, walletAddress: user.walletAddress, displayName: user.displayName, role: user.role } : null,
    },
    { headers: await commitSession(request) },
  );
}

export type RootData = { ENV: ReturnType<typeof publicEnv>; user: { email: string | null; walletAddress: string | null; displayName: string; role?: string } | null };

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="min-h-full bg-zinc-50 text-zinc-900 antialiased">
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

function Header() {
  const data = useRouteLoaderData<RootData>("root");
  const { pathname } = useLocation();
  const user = data?.user ?? null;
  return (
    <header className="border-b border-zinc-200 bg-white">
      <div className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3">
        <Link to="/" className="text-lg font-bold tracking-tight text-brand-900">
          TicketChain
        </Link>
        {user ? (
          <UserMenu user={user} />
        ) : pathname === "/login" ? null : (
          <div className="flex items-center gap-3">
            <Link to="/login" className="text-sm font-semibold text-zinc-700 hover:text-brand-700">
              Sign in
            </Link>
            <ConnectWallet />
          </div>
        )}
      </div>
    </header>
  );
}

export default function App() {
  const { ENV } = useLoaderData<RootData>();
  const nonce = useNonce();
  return (
    <>
      <Header />
      {ENV.testModePayments ? (
        <p className="bg-amber-100 px-4 py-1 text-center text-xs text-amber-900">
          Test mode: card payments use the local checkout, and {ENV.chainName} is a local development chain.
        </p>
      ) : null}
      <main className="mx-auto max-w-5xl px-4 py-8">
        <Outlet />
      </main>
      <script
        nonce={nonce}
        // The browser's share of the configuration (no secrets): chain id, local RPC URL, WalletConnect id.
        dangerouslySetInnerHTML={{ __html: `window.ENV = ${JSON.stringify(ENV).replace(/</g, "\\u003c")}` }}
      />
    </>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const title = !isRouteErrorResponse(error)
    ? "Something went wrong"
    : error.status === 404
      ? "Page not found"
      : `Error ${error.status}${error.statusText ? ` — ${error.statusText}` : ""}`;
  const detail = isRouteErrorResponse(error) ? (typeof error.data === "string" ? error.data : (error.data?.message ?? error.data?.error)) : null;
  return (
    <>
      <Header />
      <main className="mx-auto max-w-5xl px-4 py-16 text-center">
        <h1 className="text-2xl font-semibold">{title}</h1>
        {detail ? <p className="mt-2 text-zinc-600">{detail}</p> : null}
        <Link to="/" className="mt-6 inline-block text-brand-700 underline">
          Back to all events
        </Link>
      </main>
    </>
  );
}
