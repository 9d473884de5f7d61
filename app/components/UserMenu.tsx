import { Link, useSubmit } from "@remix-run/react";
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { shortAddress } from "~/lib/format";
import { REMEMBER_KEY } from "./ConnectWallet";

export interface HeaderUser {
  email: string | null;
  walletAddress: string | null;
  displayName: string;
  role?: string;
}

const item = "block w-full rounded-lg px-3 py-2 text-left hover:bg-zinc-100 focus:bg-zinc-100 focus:outline-none";

/**
 * The signed-in user in the header: wallet address (short) or email, with My tickets and Sign out.
 * A WAI-ARIA menu button written out (no Headless UI here: the header is on every page, and this keeps the
 * menu library out of every visitor's first load). Enter/Space/↓ open it on the first item, ↑/↓ move,
 * Escape closes it back on the button, Tab or a click elsewhere closes it.
 */
export function UserMenu({ user }: { user: HeaderUser }) {
  const submit = useSubmit();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const label = user.walletAddress ? shortAddress(user.walletAddress) : (user.email ?? user.displayName);
  const items = () => Array.from(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const close = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", close);
    return () => document.removeEventListener("pointerdown", close);
  }, [open]);

  const onMenuKey = (event: KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      all[(at + step + all.length) % all.length]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      all[event.key === "Home" ? 0 : all.length - 1]?.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false);
      button.current?.focus();
    } else if (event.key === "Tab") {
      setOpen(false);
    }
  };

  return (
    <div className="relative">
      <button
        ref={button}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={`Account ${user.walletAddress ?? user.email ?? user.displayName}`}
        onClick={() => setOpen((was) => !was)}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown") {
            event.preventDefault();
            setOpen(true);
          }
        }}
        className="flex items-center gap-2 rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm font-semibold text-zinc-800 shadow-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
      >
        <span aria-hidden="true" className="inline-block size-2 rounded-full bg-emerald-500" />
        <span className={user.walletAddress ? "font-mono" : "max-w-48 truncate"}>{label}</span>
        <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4 text-zinc-500" fill="currentColor">
          <path d="M5.23 7.21a.75.75 0 0 1 1.06.02L10 11.17l3.71-3.94a.75.75 0 1 1 1.08 1.04l-4.25 4.5a.75.75 0 0 1-1.08 0l-4.25-4.5a.75.75 0 0 1 .02-1.06Z" />
        </svg>
      </button>
      {open ? (
        <div
          ref={menu}
          id={menuId}
          role="menu"
          aria-label="Account"
          onKeyDown={onMenuKey}
          className="absolute right-0 z-50 mt-2 w-52 rounded-xl border border-zinc-200 bg-white p-1 text-sm shadow-lg"
        >
          <Link to="/tickets" role="menuitem" tabIndex={-1} className={item} onClick={() => setOpen(false)}>
            My tickets
          </Link>
          {user.role === "promoter" || user.role === "admin" ? (
            <Link to="/promoter" role="menuitem" tabIndex={-1} className={item} onClick={() => setOpen(false)}>
              My events
            </Link>
          ) : null}
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            className={item}
            onClick={() => {
              setOpen(false);
              window.localStorage.removeItem(REMEMBER_KEY);
              submit(null, { method: "post", action: "/auth/logout" });
            }}
          >
            Sign out
          </button>
        </div>
      ) : null}
    </div>
  );
}
