import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { createPublicClient, getAddress, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, ticketFactoryAbi } from "../../app/contracts/abi";
import { startBrowserApp, type BrowserApp } from "../support/browser-app";
import { browserBackends } from "../support/databases";
import type { AppInstance } from "../support/processes";

const PROMOTER = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // #1, the demo promoter
const FAN_A = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"); // #2, sells to the waitlist
const FAN_B_EMAIL = "waiter@example.com"; // no wallet: waits, is offered the ticket, pays by card
const FAN_C = getAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906"); // #3, waits next and pays with the wallet

describe.each(browserBackends())("face-value waitlist (database: %s)", (backend, createDatabase) => {
  let env: BrowserApp;
  let app: AppInstance;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    env = await startBrowserApp("waitlist", createDatabase);
    ({ app, consoleErrors } = env);
  });

  afterAll(async () => {
    await env?.stop();
  });

  const newPage = (account?: Address) => env.newPage({ account });
  const chooseTestWallet = (page: Page) => env.chooseTestWallet(page);
  const signInWithWallet = (page: Page) => env.signInWithWallet(page);

  async function signInByEmail(page: Page, email: string) {
    await page.goto(`${app.url}/login`);
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.getByRole("status").getByRole("link", { name: "dev mailbox" }).click();
    await page.getByRole("list", { name: "Mail" }).getByRole("listitem").filter({ hasText: email }).getByRole("link", { name: /\/auth\/email\// }).first().click();
    await page.waitForURL(/\/tickets$/);
  }

  /** Reloads My tickets until the indexer shows a ticket with this text. */
  async function waitForTicket(page: Page, text: RegExp) {
    for (let i = 0; i < 60; i++) {
      if ((await page.getByTestId("ticket").filter({ hasText: text }).count()) > 0) return;
      await page.waitForTimeout(500);
      await page.reload();
    }
    throw new Error(`no ticket matching ${text} under My tickets`);
  }

  it("the promoter opens the waitlist, fan B joins, fan A sells to it at face value, B gets the offer by email and buys it by card", async () => {
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const ticketContract = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });

    // The event page has no waitlist until the promoter turns it on.
    const b = await newPage();
    await b.goto(`${app.url}/events/aurora-nights-demo`);
    expect(await b.getByRole("region", { name: "Face-value waitlist" }).count()).toBe(0);

    // The promoter turns it on from the dashboard (a switch, operated with the keyboard).
    const promoter = await newPage(PROMOTER);
    await signInWithWallet(promoter);
    await promoter.goto(`${app.url}/promoter/events/aurora-nights-demo`);
    const toggle = promoter.getByRole("switch", { name: "Face-value waitlist" });
    expect(await toggle.getAttribute("aria-checked")).toBe("false");
    await toggle.focus();
    await promoter.keyboard.press("Enter");
    // On, and saved: the switch is disabled while its request (and the reload after it) is in flight.
    await promoter.waitForFunction(() => {
      const el = document.querySelector<HTMLButtonElement>('[role="switch"]');
      return el?.getAttribute("aria-checked") === "true" && !el.disabled;
    });
    await promoter.reload();
    expect(await promoter.getByRole("switch", { name: "Face-value waitlist" }).getAttribute("aria-checked")).toBe("true");

    // Fan B (signed out) is asked to sign in, signs in by email and joins: first in line.
    await b.goto(`${app.url}/events/aurora-nights-demo`);
    const panel = b.getByRole("region", { name: "Face-value waitlist" });
    await panel.getByRole("link", { name: "Sign in to join the waitlist" }).waitFor();
    await signInByEmail(b, FAN_B_EMAIL);
    await b.goto(`${app.url}/events/aurora-nights-demo`);
    await panel.getByRole("button", { name: "Join the waitlist" }).click();
    await panel.getByText("You are #1 in line").waitFor();
    expect(await panel.getByRole("button", { name: "Leave the waitlist" }).count()).toBe(1);
    mkdirSync("test-results", { recursive: true });
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: `test-results/waitlist-joined-${backend}.png` });

    // Fan A buys a ticket with the wallet, then sells it to the waitlist from My tickets: no price to choose.
    const a = await newPage(FAN_A);
    await a.goto(`${app.url}/events/aurora-nights-demo`);
    await a.getByRole("button", { name: "Pay with wallet: General Admission" }).click();
    const checkout = a.getByRole("region", { name: "Pay with wallet · General Admission" });
    await checkout.getByRole("button", { name: "Connect wallet" }).click();
    await chooseTestWallet(a);
    await checkout.getByRole("button", { name: "Pay 180 ETH" }).click();
    await checkout.getByRole("status").getByText("You have 1 ticket: #1").waitFor({ timeout: 30_000 });
    await signInWithWallet(a);
    await waitForTicket(a, /#1/);
    await a.getByRole("button", { name: "Sell ticket #1 to the waitlist" }).click();
    const dialog = a.getByRole("dialog", { name: /Sell to the waitlist · ticket #1/ });
    const breakdown = dialog.getByTestId("resale-breakdown");
    await breakdown.waitFor({ timeout: 30_000 });
    expect(await breakdown.innerText()).toMatch(/Price \(face value\)\s+180 ETH[\s\S]*Royalty to the promoter \(5 %\)\s+− 9 ETH/);
    expect(await dialog.getByLabel(/Your price/).count()).toBe(0);
    const connect = dialog.getByRole("button", { name: "Connect wallet" });
    const allow = dialog.getByRole("button", { name: "Allow marketplace" });
    await connect.or(allow).first().waitFor();
    if (await connect.isVisible()) {
      await connect.click();
      await chooseTestWallet(a);
    }
    await allow.click();
    await dialog.getByRole("button", { name: "Sign and sell to the waitlist" }).click({ timeout: 30_000 });
    await dialog.getByText(/Ticket #1 is held for the waitlist at 180 ETH/).waitFor({ timeout: 30_000 });
    await dialog.getByRole("button", { name: "Done" }).click();
    await a.getByTestId("listed").getByText("Held for the waitlist at face value 180 ETH").waitFor();

    // Nobody else sees it in the public resale section.
    const visitor = await newPage();
    await visitor.goto(`${app.url}/events/aurora-nights-demo`);
    await visitor.getByRole("region", { name: "Resale" }).getByText("No tickets are offered for resale right now.").waitFor();
    await visitor.context().close();

    // B's event page says a ticket is held; the offer arrives in the dev mailbox.
    await b.goto(`${app.url}/events/aurora-nights-demo`);
    await panel.getByText(/A ticket is held for you until \d\d:\d\d UTC/).waitFor();
    await b.goto(`${app.url}/dev/mailbox`);
    const mail = b.getByRole("list", { name: "Mail" }).getByRole("listitem").filter({ hasText: "A ticket to Aurora Nights" }).first();
    expect(await mail.innerText()).toMatch(new RegExp(`${FAN_B_EMAIL}[\\s\\S]*held for you at face value for 15 minutes`));
    await mail.getByRole("link", { name: /\/waitlist\/offers\// }).click();
    await b.waitForURL(/\/waitlist\/offers\/[0-9a-f-]{36}$/);
    const offerUrl = b.url();
    await b.getByRole("heading", { name: "A ticket is held for you" }).waitFor();
    expect(await b.getByRole("region", { name: /General Admission · #1/ }).innerText()).toMatch(/Face value\s+180 ETH\s+\$45\.00 by card[\s\S]*Held for you until\s+\d\d:\d\d UTC\s+1[45] min left/);
    await b.screenshot({ path: `test-results/waitlist-offer-${backend}.png`, fullPage: true });

    // The held order is handed to B only: fan A (signed in) gets 403 for it, and 403 from the public endpoint too.
    const orderUrl = `${offerUrl}/order`;
    // (A's request is sent from here with A's session cookie: a 403 in A's page would be logged as a browser error.)
    const cookieOf = async (page: Page) => (await page.context().cookies(app.url)).map((c) => `${c.name}=${c.value}`).join("; ");
    const forA = await fetch(orderUrl, { headers: { accept: "application/json", cookie: await cookieOf(a) } });
    expect(forA.status).toBe(403);
    expect(await forA.json()).toEqual({ error: "This offer is for another fan on the waitlist." });
    const forB = await b.evaluate(async (url) => {
      const r = await fetch(url, { headers: { accept: "application/json" } });
      return { status: r.status, body: (await r.json()) as { order?: { price: string } } };
    }, orderUrl);
    expect(forB.status).toBe(200);
    expect(forB.body.order?.price).toBe("180000000000000000000");

    // B pays by card in test mode.
    const card = b.getByRole("form", { name: "Pay by card" });
    expect(await card.getByTestId("offer-card-breakdown").innerText()).toMatch(/180 ETH at today's rate = \$45\.00, rounded up to the cent; no card fee/);
    await card.getByRole("button", { name: "Pay $45.00 by card" }).click();
    await b.waitForURL(/\/test-checkout\/cs_test_/);
    await b.getByText("TEST MODE — no real card is charged").waitFor();
    await b.getByLabel("Card number").fill("4242 4242 4242 4242");
    await b.getByLabel("Expiry (MM / YY)").fill("12 / 34");
    await b.getByLabel("CVC").fill("123");
    await b.getByRole("button", { name: "Pay $45.00" }).click();
    await b.waitForURL(/\/resale\/orders\/[0-9a-f-]{36}\?session_id=cs_test_/);
    await b.getByRole("heading", { name: "Ticket #1 is yours" }).waitFor({ timeout: 60_000 });
    expect(await b.getByRole("status").innerText()).toMatch(/Your card has been charged \$45\.00/);
    expect(getAddress(await client.readContract({ address: ticketContract, abi: concertTicketAbi, functionName: "ownerOf", args: [1n] }))).not.toBe(FAN_A);

    // The offer page and the event page say it is bought; My tickets shows it, kept by TicketChain.
    await b.goto(offerUrl);
    await b.getByRole("heading", { name: "You bought this ticket" }).waitFor();
    await b.goto(`${app.url}/events/aurora-nights-demo`);
    await panel.getByText("You bought a ticket from the waitlist. Join again for another one.").waitFor();
    await b.goto(`${app.url}/tickets`);
    await waitForTicket(b, /#1/);
    expect(await b.getByTestId("ticket").filter({ hasText: "#1" }).innerText()).toMatch(/Aurora Nights[\s\S]*General Admission[\s\S]*#1[\s\S]*Kept by TicketChain/);
  });

  it("B sells the kept ticket back to the waitlist with one click; fan C, next in line, buys it with the wallet from the offer page", async () => {
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const ticketContract = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });
    const keptBy = getAddress(await client.readContract({ address: ticketContract, abi: concertTicketAbi, functionName: "ownerOf", args: [1n] }));

    // Fan C signs in with the wallet and joins: B bought already, so C is first in line.
    const c = await newPage(FAN_C);
    await signInWithWallet(c);
    await c.goto(`${app.url}/events/aurora-nights-demo`);
    const panel = c.getByRole("region", { name: "Face-value waitlist" });
    await panel.getByRole("button", { name: "Join the waitlist" }).click();
    await panel.getByText("You are #1 in line").waitFor();

    // B (signed in by email, the ticket kept by TicketChain) sells it to the waitlist: TicketChain signs.
    const b = await newPage();
    await signInByEmail(b, FAN_B_EMAIL);
    await waitForTicket(b, /#1/);
    await b.getByRole("button", { name: "Sell ticket #1 to the waitlist" }).click();
    const dialog = b.getByRole("dialog", { name: /Sell to the waitlist · ticket #1/ });
    expect(await dialog.getByTestId("kept-breakdown").innerText({ timeout: 30_000 })).toMatch(/You receive 16\d(\.\d+)? ETH \(royalty 9 ETH, TicketChain fee [\d.]+ ETH\) when they buy it/);
    await dialog.getByRole("button", { name: "Sell to the waitlist for 180 ETH" }).click();
    await dialog.getByText(/Ticket #1 is held for the waitlist at 180 ETH\. The first fan in line has 15 minutes to buy it\./).waitFor({ timeout: 60_000 });
    await b.context().close();

    // C sees the held ticket on the event page, opens the offer and pays with the wallet.
    await c.goto(`${app.url}/events/aurora-nights-demo`);
    await panel.getByText(/A ticket is held for you until \d\d:\d\d UTC/).waitFor();
    await panel.getByRole("link", { name: "Buy the ticket held for you" }).click();
    await c.waitForURL(/\/waitlist\/offers\/[0-9a-f-]{36}$/);
    await c.getByRole("heading", { name: "A ticket is held for you" }).waitFor();
    await c.getByRole("button", { name: "Pay with wallet" }).click();
    const pay = c.getByRole("button", { name: "Pay 180 ETH" });
    const connect = c.getByRole("button", { name: "Connect wallet" });
    await pay.or(connect).first().waitFor({ timeout: 30_000 });
    if (await connect.isVisible()) {
      await connect.click();
      await chooseTestWallet(c);
    }
    const before = await client.getBalance({ address: FAN_C });
    await pay.click();
    await c.getByRole("status").getByText(/Ticket #1 is yours\. Transaction 0x[0-9a-f]{64}/).waitFor({ timeout: 60_000 });
    expect(getAddress(await client.readContract({ address: ticketContract, abi: concertTicketAbi, functionName: "ownerOf", args: [1n] }))).toBe(FAN_C);
    expect(before - (await client.getBalance({ address: FAN_C }))).toBeGreaterThanOrEqual(180n * 10n ** 18n);
    expect(keptBy).not.toBe(FAN_C);
    await c.screenshot({ path: `test-results/waitlist-wallet-bought-${backend}.png`, fullPage: true });
    await c.goto(`${app.url}/tickets`);
    await waitForTicket(c, /#1/);
  });

  it("logged no browser errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
