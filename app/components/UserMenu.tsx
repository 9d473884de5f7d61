import { Menu, MenuButton, MenuItem, MenuItems } from "@headlessui/react";
import { Link, useSubmit } from "@remix-run/react";
import { shortAddress } from "~/lib/format";
import { REMEMBER_KEY } from "./ConnectWallet";

export interface HeaderUser {
  email: string | null;
  walletAddress: string | null;
  displayName: string;
  role?: string;
}

/** The signed-in user in the header: wallet address (short) or email, with My tickets and Sign out. */
export function UserMenu({ user }: { user: HeaderUser }) {
  const submit = useSubmit();
  const label = user.walletAddress ? shortAddress(user.walletAddress) : (user.email ?? user.displayName);
  return (
    <Menu as="div" className="relative">
      <MenuButton
        className="flex items-center gap-2 rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm font-semibold text-zinc-800 shadow-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
        aria-label={`Account ${user.walletAddress ?? user.email ?? user.displayName}`}
      >
        <span aria-hidden="true" className="inline-block size-2 rounded-full bg-emerald-500" />
        <span className={user.walletAddress ? "font-mono" : "max-w-48 truncate"}>{label}</span>
        <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4 text-zinc-500" fill="currentColor">
          <path d="M5.23 7.21a.75.75 0 0 1 1.06.02L10 11.17l3.71-3.94a.75.75 0 1 1 1.08 1.04l-4.25 4.5a.75.75 0 0 1-1.08 0l-4.25-4.5a.75.75 0 0 1 .02-1.06Z" />
        </svg>
      </MenuButton>
      <MenuItems
        anchor="bottom end"
        className="z-50 mt-2 w-52 rounded-xl border border-zinc-200 bg-white p-1 text-sm shadow-lg focus:outline-none"
      >
        <MenuItem>
          <Link to="/tickets" className="block rounded-lg px-3 py-2 data-[focus]:bg-zinc-100">
            My tickets
          </Link>
        </MenuItem>
        {user.role === "promoter" || user.role === "admin" ? (
          <MenuItem>
            <Link to="/promoter" className="block rounded-lg px-3 py-2 data-[focus]:bg-zinc-100">
              My events
            </Link>
          </MenuItem>
        ) : null}
        <MenuItem>
          <button
            type="button"
            onClick={() => {
              window.localStorage.removeItem(REMEMBER_KEY);
              submit(null, { method: "post", action: "/auth/logout" });
            }}
            className="block w-full rounded-lg px-3 py-2 text-left data-[focus]:bg-zinc-100"
          >
            Sign out
          </button>
        </MenuItem>
      </MenuItems>
    </Menu>
  );
}
