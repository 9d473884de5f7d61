import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { createPublicClient, getAddress, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, fractionalTicketOwnershipAbi, ticketFactoryAbi } from "../../app/contracts/abi";
import { CHROMIUM_ARGS, findChromium } from "../support/chromium";
import { browserBackends, type TestDatabase } from "../support/databases";
import { signInWithWallet } from "../support/browser-app";
import { injectedWalletScript } from "../support/injected-wallet";
import { startApp, type AppInstance } from "../support/processes";

/** Hardhat demo accounts #2 and #3: two fans with test ETH. */
const FAN_A = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
const FAN_B = getAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906");
const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`.toLowerCase();

describe.each(browserBackends())("fractions in the browser (database: %s)", (backend, createDatabase) => {
  let database: TestDatabase;
  let dataDir: string;
  let app: AppInstance;
  let browser: Browser;
  let a: BrowserContext;
  let b: BrowserContext;
  let fractionUrl = "";
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const executablePath = await findChromium();
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-fractions-e2e-"));
    database = await createDatabase();
    app = await startApp(dataDir, { DATABASE_URL: database.databaseUrl ?? "" });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    a = await walletContext(FAN_A);
    b = await walletContext(FAN_B);
    mkdirSync("test-results", { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function walletContext(account: Address) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
    await context.addInitScript(injectedWalletScript({ rpcUrl: app.chainUrl, account, chainId: 31337 }));
    return context;
  }

  async function open(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(url);
    return page;
  }

  /** Connects the injected wallet through RainbowKit's modal when the panel asks for it. */
  async function connectIfAsked(page: Page, scope: Locator) {
    const connect = scope.getByRole("button", { name: "Connect wallet" });
    const ready = scope.getByRole("button", { name: /^(List shares|Pay |Redeem the ticket|Split ticket)/ });
    await Promise.race([connect.waitFor(), ready.first().waitFor()]);
    if (await connect.isVisible()) {
      await connect.click();
      const dialog = page.getByRole("dialog").filter({ hasText: /Test Wallet/ });
      await dialog.getByRole("button", { name: /Test Wallet/ }).click();
      await dialog.waitFor({ state: "detached" });
    }
  }

  const holdersText = (page: Page) => page.getByTestId("holders").innerText();

  it("fan A buys a ticket with the wallet and signs in", async () => {
    const page = await open(a, `${app.url}/events/aurora-nights-demo`);
    await page.getByRole("button", { name: "Pay with wallet: General Admission" }).click();
    const checkout = page.getByRole("region", { name: "Pay with wallet · General Admission" });
    await checkout.getByRole("button", { name: "Connect wallet" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: /Test Wallet/ }).click();
    await dialog.waitFor({ state: "detached" });
    await checkout.getByRole("button", { name: "Pay 180 ETH" }).click();
    await checkout.getByRole("status").getByText("You have 1 ticket: #1").waitFor({ timeout: 30_000 });

    await signInWithWallet(page, app.url);
    await page.getByTestId("ticket").first().waitFor();
    await page.close();
  });

  it("fan A splits the ticket into 10 shares from My tickets and lands on the shares page", async () => {
    const page = await open(a, `${app.url}/tickets`);
    const card = page.getByTestId("ticket").filter({ hasText: "#1" });
    await card.getByRole("button", { name: "Split into shares" }).click();
    const dialog = page.getByRole("dialog", { name: "Split ticket #1 into shares" });
    // The dialog element itself has no box (its panel is fixed-positioned): wait for its title.
    await dialog.getByText("Split ticket #1 into shares").waitFor();
    await connectIfAsked(page, dialog);
    await dialog.getByLabel("Number of shares").fill("10");
    // The buyout price starts at the face value read from the chain, with its dollar value.
    await expectValue(dialog.getByLabel("Buyout price (ETH)"), "180");
    await dialog.getByLabel("Buyout price (ETH)").fill("250");
    await dialog.getByText(/250 ETH ≈ \$62\.50/).waitFor();
    expect(await dialog.innerText()).toMatch(/Each share is 1\/10 of the ticket \(18 ETH of its 180 ETH face value\)/);
    expect(await dialog.innerText()).toMatch(/Who attends:/);
    await page.screenshot({ path: `test-results/fractions-split-dialog-${backend}.png` });

    await dialog.getByRole("button", { name: "Split ticket" }).click();
    await dialog.getByText("Split into 10 shares").waitFor({ timeout: 30_000 });
    await dialog.getByRole("link", { name: "Open the shares page" }).click();
    await page.waitForURL(/\/fractions\/\d+$/);
    fractionUrl = page.url();

    expect(await page.getByTestId("fraction-state").innerText()).toBe("Active");
    expect(await page.getByTestId("total-shares").innerText()).toBe("10");
    expect(await holdersText(page)).toMatch(new RegExp(`You \\(${short(FAN_A).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)\\s+10\\s+100\\.0 %`, "i"));
    expect(await page.getByTestId("attendee").innerText()).toMatch(/gathers all 10 shares and redeems[\s\S]*buyout price[\s\S]*250 ETH/);
    // The chain agrees: the vault holds the ticket, fan A the 10 shares.
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address; fractions: Address } };
    const ticket = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });
    expect(getAddress(await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "ownerOf", args: [1n] }))).toBe(getAddress(health.contracts.fractions));
    const id = BigInt(fractionUrl.split("/").pop()!);
    expect(await client.readContract({ address: health.contracts.fractions, abi: fractionalTicketOwnershipAbi, functionName: "balanceOf", args: [FAN_A, id] })).toBe(10n);
    await page.close();
  });

  it("fan A lists 4 shares; fan B buys them; the page shows both holders", async () => {
    const page = await open(a, fractionUrl);
    await page.getByRole("button", { name: "Sell shares" }).click();
    const panel = page.getByRole("region", { name: "Wallet action" });
    await connectIfAsked(page, panel);
    await panel.getByTestId("wallet-shares").getByText("10").waitFor();
    await panel.getByLabel("Shares to sell").fill("4");
    await expectValue(panel.getByLabel("Price per share (ETH)"), "18");
    await panel.getByRole("button", { name: "List shares" }).click();
    await panel.getByText("Listed 4 shares at 18 ETH each").waitFor({ timeout: 30_000 });
    await page.getByTestId("listings").getByText(/4\s+shares at\s+18 ETH\s+each/).waitFor();
    await page.close();

    const pageB = await open(b, fractionUrl);
    expect(await pageB.getByTestId("listings").innerText()).toMatch(new RegExp(`from ${short(FAN_A).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "i"));
    await pageB.getByRole("button", { name: /^Buy shares from/ }).click();
    const panelB = pageB.getByRole("region", { name: "Wallet action" });
    await connectIfAsked(pageB, panelB);
    await panelB.getByLabel("Shares to buy").fill("4");
    await panelB.getByRole("button", { name: "Pay 72 ETH" }).click();
    await panelB.getByText("You bought 4 shares").waitFor({ timeout: 30_000 });
    await pageB.waitForFunction(() => /40\.0 %/.test(document.querySelector('[data-testid="holders"]')?.textContent ?? ""), null, { timeout: 30_000 });
    const holders = (await holdersText(pageB)).toLowerCase();
    expect(holders).toContain(short(FAN_A));
    expect(holders).toMatch(/6\s+60\.0 %/);
    expect(holders).toMatch(/0x90f7…b906\s+4\s+40\.0 %/);
    expect(await pageB.getByText("No shares are listed right now.").count()).toBe(1);
    await pageB.screenshot({ path: `test-results/fractions-page-${backend}.png`, fullPage: true });
    await pageB.close();
  });

  it("fan B sells the 4 shares back; fan A buys them, redeems with all 10 and has the ticket again", async () => {
    const pageB = await open(b, fractionUrl);
    await pageB.getByRole("button", { name: "Sell shares" }).click();
    const panelB = pageB.getByRole("region", { name: "Wallet action" });
    await connectIfAsked(pageB, panelB);
    await panelB.getByTestId("wallet-shares").getByText("4").waitFor();
    await panelB.getByLabel("Shares to sell").fill("4");
    await panelB.getByRole("button", { name: "List shares" }).click();
    await panelB.getByText("Listed 4 shares at 18 ETH each").waitFor({ timeout: 30_000 });
    await pageB.close();

    const page = await open(a, fractionUrl);
    await page.getByRole("button", { name: /^Buy shares from/ }).click();
    const panel = page.getByRole("region", { name: "Wallet action" });
    await connectIfAsked(page, panel);
    await panel.getByRole("button", { name: "Pay 72 ETH" }).click();
    await panel.getByText("You bought 4 shares").waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => /100\.0 %/.test(document.querySelector('[data-testid="holders"]')?.textContent ?? ""), null, { timeout: 30_000 });

    await page.getByRole("button", { name: "Redeem (all shares)" }).click();
    await panel.getByTestId("wallet-shares").getByText("10").waitFor();
    await panel.getByRole("button", { name: "Redeem the ticket" }).click();
    await panel.getByText("The ticket is yours again").waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="fraction-state"]')?.textContent === "Redeemed", null, { timeout: 30_000 });
    expect(await page.getByTestId("attendee").innerText()).toMatch(/^You redeemed every share and hold the ticket: you attend\.$/);
    await page.screenshot({ path: `test-results/fractions-redeemed-${backend}.png`, fullPage: true });

    await page.goto(`${app.url}/tickets`);
    const card = page.getByTestId("ticket").filter({ hasText: "#1" });
    await card.waitFor();
    expect(await card.innerText()).toMatch(/Valid[\s\S]*General Admission[\s\S]*Your wallet/);
    await page.close();
  });

  it("logged no browser errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});

async function expectValue(locator: Locator, value: string) {
  for (let i = 0; i < 100; i++) {
    if ((await locator.inputValue()) === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await locator.inputValue()).toBe(value);
}
