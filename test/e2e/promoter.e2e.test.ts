import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { createPublicClient, createWalletClient, getAddress, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, ticketFactoryAbi } from "../../app/contracts/abi";
import { CHROMIUM_ARGS, findChromium } from "../support/chromium";
import { signInWithWallet } from "../support/browser-app";
import { injectedWalletScript } from "../support/injected-wallet";
import { startApp, type AppInstance } from "../support/processes";

/** Hardhat demo account #1: the demo promoter (seeded with PROMOTER_ROLE on the factory). */
const PROMOTER = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const SCREENSHOTS = "test-results";
/** Hardhat demo account #5: door staff added by the promoter. */
const STAFF = getAddress("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc");

/** Records every text the publish progress shows (a step can last only a moment). */
const PROGRESS_RECORDER = `(() => {
  window.__progress = [];
  new MutationObserver(() => {
    const el = document.querySelector('[data-testid="publish-progress"]');
    const text = el ? el.innerText.replace(/\\s+/g, " ").trim() : "";
    const log = window.__progress;
    if (text && log[log.length - 1] !== text) log.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();`;

describe("a promoter (demo account #1) in the browser", () => {
  let dataDir: string;
  let app: AppInstance;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const executablePath = await findChromium();
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-promoter-"));
    app = await startApp(dataDir, { DATABASE_URL: "", REDIS_URL: "", SMTP_URL: "", APP_URL: "" });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function signedInPromoter(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addInitScript(injectedWalletScript({ rpcUrl: app.chainUrl, account: PROMOTER, chainId: 31337 }));
    await context.addInitScript(PROGRESS_RECORDER);
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await signInWithWallet(page, app.url);
    return page;
  }

  /** The wallet panel shows "Connect wallet" unless wagmi reconnected the injected wallet by itself. */
  async function clickWalletButton(page: Page, scope: ReturnType<Page["getByRole"]>, label: string | RegExp) {
    const action = scope.getByRole("button", { name: label });
    const connect = scope.getByRole("button", { name: "Connect wallet" });
    await action.or(connect).first().waitFor();
    if (await connect.isVisible()) {
      await connect.click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("button", { name: /Test Wallet/ }).click();
      await dialog.waitFor({ state: "detached" });
    }
    await action.click();
  }

  it("creates a draft with two tiers (bad input answered on the form), publishes it from the wallet and sees it live", async () => {
    const page = await signedInPromoter();
    await page.getByRole("button", { name: /^Account 0x7099/i }).click();
    await page.getByRole("menuitem", { name: "My events" }).click();
    await page.waitForURL(/\/promoter$/);
    await page.getByRole("heading", { name: "My events" }).waitFor();
    expect(await page.getByRole("link", { name: /Aurora Nights/ }).count()).toBe(1);
    await page.getByRole("link", { name: "New event" }).click();
    await page.getByRole("heading", { name: "Create an event" }).waitFor();
    expect(await page.getByText("Tickets are issued on Local Hardhat").count()).toBe(1);

    const startsAt = new Date(Date.now() + 60 * 86_400_000);
    startsAt.setUTCHours(20, 0, 0, 0);
    await page.getByLabel("Event name").fill("Northern Lights Orchestra");
    await page.getByLabel("Venue").fill("Glass Pavilion");
    await page.getByLabel("City").fill("Oslo");
    await page.getByLabel("Doors open (UTC)").fill(startsAt.toISOString().slice(0, 16));
    await page.getByLabel("Description").fill("A night of Nordic symphonies under a glass roof.");
    await page.getByLabel("Royalty on resales (%)").fill("25"); // too high: the server answers on the form
    const tier1 = page.getByRole("listitem", { name: "Tier 1" });
    await tier1.getByLabel("Tier name").fill("Stalls");
    await tier1.getByLabel("Price (USD)").fill("40");
    await tier1.getByLabel("Tickets").fill("100");
    await page.getByRole("button", { name: "Add a tier" }).click();
    const tier2 = page.getByRole("listitem", { name: "Tier 2" });
    await tier2.getByLabel("Tier name").fill("Circle");
    await tier2.getByLabel("Price (USD)").fill("75.50");
    await tier2.getByLabel("Price (ETH)").fill("300");
    await tier2.getByLabel("Tickets").fill("20");
    await page.getByRole("button", { name: "Save draft" }).click();

    await page.getByRole("alert").getByText("Check the highlighted fields.").waitFor();
    // The browser logs the deliberate 400 answer; nothing else may be logged.
    expect(consoleErrors).toEqual(["Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
    consoleErrors.length = 0;
    expect(await page.locator("#e-royaltyPercent").innerText()).toBe("At most 10 %.");
    expect(await page.getByLabel("Royalty on resales (%)").getAttribute("aria-invalid")).toBe("true");
    // The values come back filled in.
    expect(await page.getByRole("listitem", { name: "Tier 2" }).getByLabel("Tier name").inputValue()).toBe("Circle");
    await page.screenshot({ path: path.join(SCREENSHOTS, "promoter-create-form-errors.png"), fullPage: true });
    await page.getByLabel("Royalty on resales (%)").fill("5");
    // Editing the field clears its error; the server checks again on save.
    expect(await page.locator("#e-royaltyPercent").count()).toBe(0);
    expect(await page.getByLabel("Royalty on resales (%)").getAttribute("aria-invalid")).toBeNull();
    await page.screenshot({ path: path.join(SCREENSHOTS, "promoter-create-form.png"), fullPage: true });
    await page.getByRole("button", { name: "Save draft" }).click();

    await page.waitForURL(/\/promoter\/events\/northern-lights-orchestra$/);
    await page.getByRole("heading", { name: "Ready to publish?" }).waitFor();
    // $40 at the demo feed ($0.25 per ETH) = 160 ETH.
    expect(await page.getByText("Stalls: 100 tickets at 160 ETH ($40.00)").count()).toBe(1);
    expect(await page.getByText("Circle: 20 tickets at 300 ETH ($75.50)").count()).toBe(1);
    // A draft is not public.
    expect((await fetch(`${app.url}/events/northern-lights-orchestra`)).status).toBe(404);

    const publish = page.getByRole("region", { name: "Ready to publish?" });
    await clickWalletButton(page, publish, "Publish on Local Hardhat");
    const progress = page.getByTestId("publish-progress");
    await progress.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, "promoter-publish-progress.png"), fullPage: true });
    await progress.getByText("Live (done)").waitFor({ timeout: 60_000 });
    const log = await page.evaluate(() => (window as unknown as { __progress: string[] }).__progress);
    expect(log[0], log.join(" | ")).toMatch(/Submitted \(done\).*Confirmed \((in progress|done)\)/);
    expect(log.at(-1)).toMatch(/Live \(done\)/);

    // The chain agrees: the promoter's wallet created it and holds its promoterRole.
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const count = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventCount" });
    const ticket = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [count] });
    expect(getAddress(await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "promoter" }))).toBe(PROMOTER);
    const role = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "promoterRole", args: [count] });
    expect(await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "hasRole", args: [role, PROMOTER] })).toBe(true);
    const tier1OnChain = await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "tier", args: [0n] });
    expect(tier1OnChain.price).toBe(160n * 10n ** 18n);

    await page.getByTestId("stat-sold").getByText("0 / 120").waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "promoter-dashboard.png"), fullPage: true });

    // Door staff: a typo is answered on the form; a wallet is added, then granted the scanner role on chain.
    const staff = page.getByRole("region", { name: "Door staff" });
    await staff.getByLabel("Wallet address or email").fill("not a wallet");
    await staff.getByRole("button", { name: "Add" }).click();
    await staff.getByText("Enter a wallet address (0x…) or an email address.").waitFor();
    // The browser reports the refused request (HTTP 400) on its console; that one is expected.
    const refused = consoleErrors.findIndex((text) => /status of 400/.test(text));
    expect(refused, consoleErrors.join("\n")).toBeGreaterThanOrEqual(0);
    consoleErrors.splice(refused, 1);
    await staff.getByLabel("Wallet address or email").fill(STAFF.toLowerCase());
    await staff.getByRole("button", { name: "Add" }).click();
    await staff.getByRole("listitem").filter({ hasText: STAFF }).waitFor();
    await clickWalletButton(page, staff, "Grant scanner role");
    await staff.getByText(/Confirmed in block \d+/).waitFor({ timeout: 60_000 });
    const scannerRole = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "scannerRole", args: [count] });
    expect(await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "hasRole", args: [scannerRole, STAFF] })).toBe(true);

    await page.getByRole("link", { name: "View the public page" }).click();
    await page.waitForURL(/\/events\/northern-lights-orchestra$/);
    await page.getByRole("heading", { name: "Northern Lights Orchestra", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Pay with wallet: Stalls" }).waitFor();
    await page.getByRole("button", { name: "Pay with wallet: Circle" }).waitFor();

    // The attendees export belongs to the promoter only.
    const csv = await page.context().request.get(`${app.url}/promoter/events/northern-lights-orchestra/attendees.csv`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    expect(await csv.text()).toBe("token_id,tier,holder_wallet,holder_email,holder_name,bought_with,paid_wei,checked_in,refunded\r\n");
    const anonymous = await fetch(`${app.url}/promoter/events/northern-lights-orchestra/attendees.csv`);
    expect(anonymous.status).toBe(401);
    expect(consoleErrors).toEqual([]);
  });

  it("cancels an event after confirmation: the card buyer is refunded and the wallet buyer claims the refund on My tickets", async () => {
    const FAN = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    const slug = "northern-lights-orchestra";
    // A card buyer.
    const buyer = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const card = await buyer.newPage();
    await card.goto(`${app.url}/events/${slug}`);
    const form = card.getByRole("region", { name: "Pay by card" });
    await form.getByLabel("Ticket type").selectOption({ label: "Stalls — $40.00" });
    await form.getByLabel("Quantity").fill("1");
    await form.getByLabel(/Email/).fill("card.buyer@example.com");
    await form.getByRole("button", { name: /Pay by card · \$40\.00/ }).click();
    await card.waitForURL(/\/test-checkout\/cs_test_/);
    await card.getByLabel("Card number").fill("4242 4242 4242 4242");
    await card.getByLabel("Expiry (MM / YY)").fill("12 / 34");
    await card.getByLabel("CVC").fill("123");
    await card.getByRole("button", { name: "Pay $40.00" }).click();
    await card.waitForURL(/\/orders\/[0-9a-f-]{36}/);
    await card.getByRole("heading", { name: "Your ticket is ready" }).waitFor({ timeout: 60_000 });
    const orderUrl = card.url();

    // A wallet buyer (demo account #2), signed in with SIWE.
    const fanContext = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await fanContext.addInitScript(injectedWalletScript({ rpcUrl: app.chainUrl, account: FAN, chainId: 31337 }));
    const fan = await fanContext.newPage();
    fan.on("pageerror", (error) => consoleErrors.push(error.message));
    await signInWithWallet(fan, app.url);
    await fan.goto(`${app.url}/events/${slug}`);
    await fan.getByRole("button", { name: "Pay with wallet: Circle" }).click();
    const checkout = fan.getByRole("region", { name: "Pay with wallet · Circle" });
    const connect = checkout.getByRole("button", { name: "Connect wallet" });
    const pay = checkout.getByRole("button", { name: /^Pay / });
    await pay.or(connect).first().waitFor();
    if (await connect.isVisible()) {
      await connect.click();
      await fan.getByRole("dialog").getByRole("button", { name: /Test Wallet/ }).click();
    }
    await pay.click();
    await checkout.getByRole("status").getByText(/You have 1 ticket/).waitFor({ timeout: 30_000 });

    // The promoter cancels, confirming in the dialog first.
    const page = await signedInPromoter();
    await page.goto(`${app.url}/promoter/events/${slug}`);
    await page.getByTestId("stat-sold").getByText("2 / 120").waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Cancel event…" }).click();
    const dialog = page.getByRole("dialog", { name: /Cancel “Northern Lights Orchestra”\?/ });
    await dialog.getByRole("button", { name: "Keep the event" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await page.getByRole("button", { name: "Cancel on chain" }).count()).toBe(0);
    await page.getByRole("button", { name: "Cancel event…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Yes, cancel the event" }).click();
    await clickWalletButton(page, page.getByRole("region", { name: "Cancel the event" }), "Cancel on chain");
    await page.getByText("This event is cancelled.").waitFor({ timeout: 60_000 });
    expect(await page.getByText("cancelled", { exact: true }).count()).toBeGreaterThan(0);

    // The card buyer's order is refunded by the payments sweeper.
    // (the sweeper runs every 30 s; the order page is reloaded until it shows the refund)
    const refundedBy = Date.now() + 90_000;
    for (;;) {
      await card.goto(orderUrl);
      if (await card.getByRole("heading", { name: "Refunded" }).isVisible()) break;
      if (Date.now() > refundedBy) throw new Error(`order not refunded: ${await card.locator("main").innerText()}`);
      await card.waitForTimeout(2000);
    }

    // The wallet buyer claims the refund from My tickets.
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const before = await client.getBalance({ address: FAN });
    await fan.goto(`${app.url}/tickets`);
    const ticketCard = fan.getByTestId("ticket").filter({ hasText: "Northern Lights Orchestra" });
    await ticketCard.getByText(/claim back the 300 ETH you paid/).waitFor({ timeout: 30_000 });
    await clickWalletButton(fan, ticketCard, /Claim refund for #\d+/);
    await ticketCard.getByText("Refunded", { exact: true }).waitFor({ timeout: 60_000 });
    const after = await client.getBalance({ address: FAN });
    expect(after - before).toBeGreaterThan(299n * 10n ** 18n);
    await fan.screenshot({ path: path.join(SCREENSHOTS, "promoter-refund-claimed.png"), fullPage: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, "promoter-dashboard-cancelled.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
  it("withdraws the wallet proceeds to the promoter's wallet once the show has started (chain clock moved past the doors)", async () => {
    const slug = "aurora-nights-demo";
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const event = (await (await fetch(`${app.url}/api/events/${slug}`)).json()) as { contractAddress: Address; startsAt: string; tiers: Array<{ priceWei: string }> };
    // A wallet buyer (demo account #3) buys one General Admission ticket: its price goes to the escrow.
    const BUYER = getAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906");
    const buyer = createWalletClient({ account: BUYER, chain: hardhat, transport: http(app.chainUrl) });
    const price = BigInt(event.tiers[0]!.priceWei);
    const bought = await buyer.writeContract({ address: event.contractAddress, abi: concertTicketAbi, functionName: "buy", args: [0n, 1n], value: price });
    expect((await client.waitForTransactionReceipt({ hash: bought })).status).toBe("success");

    const page = await signedInPromoter();
    await page.goto(`${app.url}/promoter/events/${slug}`);
    const proceeds = page.getByRole("region", { name: "Wallet proceeds" });
    await proceeds.getByText(/You can withdraw once the show has started/).waitFor();
    expect(await proceeds.getByRole("button", { name: "Withdraw to my wallet" }).count()).toBe(0);
    const held = (await proceeds.getByTestId("proceeds-held").innerText()).trim();
    expect(held).not.toMatch(/^(0|—)/);

    // The show starts: the chain's clock moves an hour past the doors (the escrow checks block.timestamp).
    const ahead = Math.ceil((new Date(event.startsAt).getTime() - Date.now()) / 1000) + 3600;
    await client.request({ method: "evm_increaseTime", params: [ahead] } as never);
    await client.request({ method: "evm_mine", params: [] } as never);

    const before = await client.getBalance({ address: PROMOTER });
    await page.reload();
    // The confirmation revalidates the page once (it used to revalidate on every render: thousands of
    // route-manifest requests, each aborting the last, and the amount never refreshed).
    let manifestRequests = 0;
    page.on("request", (request) => void (request.url().includes("/__manifest") && manifestRequests++));
    await clickWalletButton(page, proceeds, "Withdraw to my wallet");
    await proceeds.getByTestId("proceeds-held").getByText(/^0\b/).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1000);
    expect(manifestRequests).toBeLessThan(10);
    expect(await proceeds.getByRole("button", { name: "Withdraw to my wallet" }).count()).toBe(0);
    const after = await client.getBalance({ address: PROMOTER });
    // At least this sale's price arrived (less the gas of the withdrawal).
    expect(after - before).toBeGreaterThan(price - 10n ** 16n);
    await page.screenshot({ path: path.join(SCREENSHOTS, "promoter-proceeds-withdrawn.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});
