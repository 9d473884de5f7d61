import { existsSync } from "node:fs";

/**
 * Finds a Chromium for playwright-core: CHROME_PATH, Debian's /usr/bin/chromium, or Playwright's own
 * download. Never skips: when none is found the browser suite fails with this message.
 */
export async function findChromium(
  options: { candidates?: string[]; playwright?: boolean } = {},
): Promise<string> {
  const candidates =
    options.candidates ?? ([process.env.CHROME_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean) as string[]);
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  if (options.playwright !== false) {
    try {
      const { chromium } = await import("playwright-core");
      const own = chromium.executablePath();
      if (own && existsSync(own)) return own;
    } catch {
      /* no Playwright browser installed */
    }
  }
  throw new Error(
    [
      "No Chromium found for the browser tests. Install one of:",
      "  - Debian/Ubuntu: sudo apt-get install -y chromium   (then it is found at /usr/bin/chromium)",
      "  - Playwright's build: npx playwright install chromium",
      "  - or point CHROME_PATH at an existing Chrome/Chromium binary.",
    ].join("\n"),
  );
}

/** Flags that keep headless Chromium off the network (this project's tests never reach the internet). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
