import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import type { Address } from "viem";
import { CHROMIUM_ARGS, findChromium } from "./chromium";
import type { TestDatabase } from "./databases";
import { injectedWalletScript } from "./injected-wallet";
import { startApp, type AppInstance } from "./processes";

/**
 * What a browser suite needs: the built app on its own data dir and database (test/support/processes.ts),
 * headless Chromium, pages whose console errors are collected (a suite ends by expecting none), and the
 * wallet steps every suite repeats. Stop it in afterAll.
 */
export interface BrowserApp {
  app: AppInstance;
  browser: Browser;
  /** console errors and uncaught page errors of every page made here */
  consoleErrors: string[];
  /** A new context and page; with `account`, the injected EIP-1193 test wallet of that demo account. */
  newPage(options?: { account?: Address; knownChains?: number[]; initScripts?: string[]; viewport?: { width: number; height: number } }): Promise<Page>;
  /** Picks "Test Wallet" in RainbowKit's connect dialog and waits for the dialog to close. */
  chooseTestWallet(page: Page): Promise<void>;
  /** Signs in on /login with the page's wallet (SIWE) and waits for My tickets. */
  signInWithWallet(page: Page): Promise<void>;
  stop(): Promise<void>;
}

/** Signs in on `${appUrl}/login` with the page's injected wallet (SIWE) and waits for My tickets. */
export async function signInWithWallet(page: Page, appUrl: string): Promise<void> {
  await page.goto(`${appUrl}/login`);
  await page.getByRole("region", { name: "With your wallet" }).getByRole("button", { name: "Connect wallet" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: /Test Wallet/ }).click();
  await dialog.getByRole("button", { name: "Sign message" }).click();
  await page.waitForURL(/\/tickets$/);
}

export async function startBrowserApp(name: string, createDatabase: () => Promise<TestDatabase>): Promise<BrowserApp> {
  const executablePath = await findChromium();
  const dataDir = mkdtempSync(path.join(tmpdir(), `ticketchain-${name}-`));
  const database = await createDatabase();
  const app = await startApp(dataDir, { DATABASE_URL: database.databaseUrl ?? "" });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const consoleErrors: string[] = [];
  return {
    app,
    browser,
    consoleErrors,
    async newPage(options = {}) {
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1100, height: 1400 } });
      if (options.account) {
        await context.addInitScript(injectedWalletScript({ rpcUrl: app.chainUrl, account: options.account, chainId: 31337, knownChains: options.knownChains }));
      }
      for (const script of options.initScripts ?? []) await context.addInitScript(script);
      const page = await context.newPage();
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      page.on("pageerror", (error) => consoleErrors.push(error.message));
      return page;
    },
    async chooseTestWallet(page) {
      const dialog = page.getByRole("dialog").filter({ has: page.getByRole("button", { name: /Test Wallet/ }) });
      await dialog.getByRole("button", { name: /Test Wallet/ }).click();
      await dialog.waitFor({ state: "detached" });
    },
    signInWithWallet: (page) => signInWithWallet(page, app.url),
    async stop() {
      await browser.close();
      await app.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
