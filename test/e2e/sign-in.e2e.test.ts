import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../support/chromium";
import { injectedWalletScript } from "../support/injected-wallet";
import { startApp, type AppInstance } from "../support/processes";

/** Hardhat demo account #4: a fan with a browser wallet. */
const FAN = getAddress("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65");
const SCREENSHOTS = path.resolve("test-results");

/** Signing in on the embedded defaults: a wallet (SIWE through RainbowKit) and an email link (dev mailbox). */
describe("signing in", () => {
  let dataDir: string;
  let app: AppInstance;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const executablePath = await findChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-signin-"));
    app = await startApp(dataDir, { DATABASE_URL: "", REDIS_URL: "", SMTP_URL: "", APP_URL: "" });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function newPage(withWallet = false): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    if (withWallet) await context.addInitScript(injectedWalletScript({ rpcUrl: app.chainUrl, account: FAN, chainId: 31337 }));
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    return page;
  }

  const sessionCookie = async (page: Page) => (await page.context().cookies()).find((c) => c.name === "tc_session");

  it("a wallet user connects, signs the SIWE message, sees their address in the header, then signs out", async () => {
    const page = await newPage(true);
    await page.goto(`${app.url}/login`);
    await page.getByRole("heading", { name: "Sign in", level: 1 }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "login.png"), fullPage: true });

    await page.getByRole("region", { name: "With your wallet" }).getByRole("button", { name: "Connect wallet" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: /Test Wallet/ }).click();
    // RainbowKit's authentication step: the SIWE message is signed by the wallet and checked by the server.
    await dialog.getByRole("button", { name: "Sign message" }).click();
    const account = page.getByRole("button", { name: /^Account 0x15d3/i });
    await account.waitFor();
    expect(await account.innerText()).toContain("0x15d3…6A65");
    // /login sends a signed-in visitor on to their tickets.
    await page.waitForURL(/\/tickets$/);
    const cookie = await sessionCookie(page);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/", secure: false });

    await account.click();
    await page.getByRole("menuitem", { name: "My tickets" }).waitFor();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.getByRole("link", { name: "Sign in" }).waitFor();
    expect(await account.count()).toBe(0);
    expect(await sessionCookie(page)).toBeUndefined();
    // The old cookie is refused by the server too (the session row was revoked).
    const again = await fetch(`${app.url}/tickets`, { headers: { cookie: `tc_session=${cookie!.value}`, accept: "text/html" }, redirect: "manual" });
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toMatch(/^\/login\?redirectTo=%2Ftickets/);
    await page.context().close();
  });

  it("an email user asks for a link, opens the dev mailbox, follows it and lands on My tickets", async () => {
    const page = await newPage();
    const email = `fan-${Date.now()}@example.com`;
    await page.goto(`${app.url}/tickets`);
    // Signed out: My tickets asks to sign in first.
    await page.waitForURL(/\/login\?redirectTo=%2Ftickets$/);
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    const sent = page.getByRole("status");
    await sent.getByText("Check your inbox").waitFor();
    expect(await sent.innerText()).toContain(email);
    expect(app.output()).toMatch(new RegExp(`\\[mail\\] to ${email.replace(/[.]/g, "\\.")}: Your TicketChain sign-in link — http://127\\.0\\.0\\.1:\\d+/auth/email/[A-Za-z0-9_-]{43}`));

    await sent.getByRole("link", { name: "dev mailbox" }).click();
    await page.getByRole("heading", { name: "Dev mailbox" }).waitFor();
    const mail = page.getByRole("list", { name: "Mail" }).getByRole("listitem").filter({ hasText: email });
    const link = mail.getByRole("link", { name: /\/auth\/email\// });
    const href = (await link.getAttribute("href"))!;
    await link.click();
    await page.waitForURL(/\/tickets$/);
    await page.getByRole("heading", { name: "My tickets" }).waitFor();
    await page.getByRole("heading", { name: "No tickets yet" }).waitFor();
    await page.getByRole("button", { name: new RegExp(`^Account ${email}`) }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "tickets.png"), fullPage: true });

    // The link worked once.
    const reused = await fetch(href, { redirect: "manual" });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain("This sign-in link no longer works");
    await page.context().close();
  });

  it("logged no browser errors", () => {
    // The reused link above is fetched outside the browser; the browser itself saw no error.
    expect(consoleErrors).toEqual([]);
  });
});
