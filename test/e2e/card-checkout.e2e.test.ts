import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { createPublicClient, getAddress, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi } from "../../app/contracts/abi";
import { CHROMIUM_ARGS, findChromium } from "../support/chromium";
import { browserBackends, type TestDatabase } from "../support/databases";
import { startApp, type AppInstance } from "../support/processes";

/**
 * A fan buys by card on the embedded defaults (`npm start` as is: the mint worker runs in the app, the
 * Stripe double is the app's own /v1 + /test-checkout): event page → "Pay by card" → test-mode payment
 * page → order page, live, until "Your ticket is ready"; the ticket is on chain.
 */
describe.each(browserBackends())("a fan paying by card (database: %s)", (backend, createDatabase) => {
  let database: TestDatabase;
  let dataDir: string;
  let app: AppInstance;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const executablePath = await findChromium();
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-card-e2e-"));
    database = await createDatabase();
    app = await startApp(dataDir, { DATABASE_URL: database.databaseUrl ?? "" });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function newPage(allowedErrors: RegExp[] = []): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.on("console", (message) => {
      if (message.type() === "error" && !allowedErrors.some((re) => re.test(message.text()))) consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    return page;
  }

  async function startCardCheckout(page: Page, email: string) {
    await page.goto(`${app.url}/events/aurora-nights-demo`);
    const form = page.getByRole("region", { name: "Pay by card" });
    await form.getByText("test mode").waitFor();
    await form.getByLabel("Ticket type").selectOption({ label: "VIP — $120.00" });
    await form.getByLabel("Quantity").fill("2");
    await form.getByLabel(/Email/).fill(email);
    await form.getByRole("button", { name: /Pay by card · \$240\.00/ }).click();
    await page.waitForURL(/\/test-checkout\/cs_test_/);
    await page.getByText("TEST MODE — no real card is charged").waitFor();
    expect(await page.getByRole("heading", { name: "Pay $240.00" }).isVisible()).toBe(true);
    expect(await page.getByLabel("Email").inputValue()).toBe(email);
  }

  async function fillCard(page: Page, number: string) {
    await page.getByLabel("Card number").fill(number);
    await page.getByLabel("Expiry (MM / YY)").fill("12 / 34");
    await page.getByLabel("CVC").fill("123");
    await page.getByRole("button", { name: "Pay $240.00" }).click();
  }

  it("clicks Pay by card on the event page, pays in test mode and sees the ticket ready", async () => {
    const page = await newPage();
    await startCardCheckout(page, "fan@example.com");
    await page.screenshot({ path: path.join("test-results", `test-checkout-${backend}.png`), fullPage: true });
    await fillCard(page, "4242 4242 4242 4242");
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?session_id=cs_test_/);
    await page.getByRole("heading", { name: "Your ticket is ready" }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join("test-results", `order-ready-${backend}.png`), fullPage: true });
    const tickets = page.getByRole("list", { name: "Ticket numbers" }).getByRole("listitem");
    expect(await tickets.count()).toBe(2);
    const first = BigInt((await tickets.first().innerText()).match(/#(\d+)/)![1]!);

    // On chain: both tickets belong to one (the buyer's embedded) wallet, not to anyone else.
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const contract = (await page.getByRole("link", { name: /Aurora Nights/ }).getAttribute("href"))!;
    expect(contract).toBe("/events/aurora-nights-demo");
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const { ticketFactoryAbi } = await import("../../app/contracts/abi");
    const ticket = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });
    const owners = await Promise.all([first, first + 1n].map((id) => client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "ownerOf", args: [id] })));
    expect(getAddress(owners[0]!)).toBe(getAddress(owners[1]!));
    expect(await page.getByText(/Your card has been charged \$240\.00/).isVisible()).toBe(true);
    await page.context().close();
  });

  it("the card buyer signs in by email, finds the tickets under My tickets and claims one to their own wallet", async () => {
    const page = await newPage();
    await page.goto(`${app.url}/login`);
    await page.getByLabel("Email address").fill("fan@example.com");
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.getByRole("status").getByRole("link", { name: "dev mailbox" }).click();
    const mail = page.getByRole("list", { name: "Mail" }).getByRole("listitem").filter({ hasText: "fan@example.com" });
    await mail.getByRole("link", { name: /\/auth\/email\// }).first().click();
    await page.waitForURL(/\/tickets$/);
    const cards = page.getByTestId("ticket");
    await cards.first().waitFor({ timeout: 30_000 });
    expect(await cards.count()).toBe(2);
    for (const text of await cards.allInnerTexts()) {
      expect(text, text).toMatch(/Aurora Nights[\s\S]*VIP[\s\S]*Kept by TicketChain/);
    }
    const tokenId = BigInt((await cards.first().innerText()).match(/#(\d+)/)![1]!);

    // Claim the first ticket to a wallet of the fan's own (Hardhat demo account #5).
    const own = getAddress("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc");
    await cards.first().getByRole("button", { name: "Claim to my wallet" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Your wallet address").fill(own);
    await dialog.getByRole("button", { name: "Claim" }).click();
    await dialog.getByRole("status").waitFor({ timeout: 60_000 });
    expect(await dialog.getByRole("status").innerText()).toMatch(new RegExp(`#${tokenId}`));

    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const { ticketFactoryAbi } = await import("../../app/contracts/abi");
    const ticket = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });
    expect(getAddress(await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "ownerOf", args: [tokenId] }))).toBe(own);
    // The app never printed a private key while doing it.
    expect(app.output()).not.toMatch(/private ?key|sealedKey|wrappedDataKey/i);
    await page.context().close();
  });

  it("shows a declined test card on the payment page and charges nothing", async () => {
    // The browser logs the 402 document answer as a console error; on this page it is expected.
    const page = await newPage([/status of 402/]);
    await startCardCheckout(page, "declined@example.com");
    await fillCard(page, "4000 0000 0000 0002");
    await page.getByRole("alert").filter({ hasText: "Your card was declined." }).waitFor();
    expect(page.url()).toMatch(/\/test-checkout\//);
    await page.getByRole("link", { name: "Cancel and go back" }).click();
    await page.waitForURL(/\/orders\/.*cancelled=1/);
    await page.getByRole("heading", { name: "Checkout cancelled — nothing was charged" }).waitFor();
    await page.context().close();
  });

  it("logged no unexpected browser errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
