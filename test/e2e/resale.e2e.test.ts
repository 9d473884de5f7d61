import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { createPublicClient, getAddress, http, parseEther, parseEventLogs, type Address } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, marketplaceAbi, paymentEscrowAbi, ticketFactoryAbi } from "../../app/contracts/abi";
import { startBrowserApp, type BrowserApp } from "../support/browser-app";
import { browserBackends } from "../support/databases";
import type { AppInstance } from "../support/processes";

const PROMOTER = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // #1, the demo promoter
const FAN_A = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"); // #2, sells
const FAN_B = getAddress("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"); // #4, buys
const FRIEND = getAddress("0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"); // #5, gets it as a gift
const NATIVE = "0x0000000000000000000000000000000000000000";

describe.each(browserBackends())("resale between two fans (database: %s)", (backend, createDatabase) => {
  let env: BrowserApp;
  let app: AppInstance;
  let browser: Browser;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    env = await startBrowserApp("resale", createDatabase);
    ({ app, browser, consoleErrors } = env);
  });

  afterAll(async () => {
    await env?.stop();
  });

  const newPage = (account: Address) => env.newPage({ account });
  const chooseTestWallet = (page: Page) => env.chooseTestWallet(page);
  const signIn = (page: Page) => env.signInWithWallet(page);

  /** Reloads My tickets until the indexer shows a ticket with this text. */
  async function waitForTicket(page: Page, text: RegExp) {
    for (let i = 0; i < 40; i++) {
      if ((await page.getByTestId("ticket").filter({ hasText: text }).count()) > 0) return;
      await page.waitForTimeout(500);
      await page.reload();
    }
    throw new Error(`no ticket matching ${text} under My tickets`);
  }

  it("fan A buys and lists a ticket; fan B buys it on the event page (it moves to B, the promoter's royalty is credited), then gives it to a friend", async () => {
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address; escrow: Address; marketplace: Address } };
    const ticketContract = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });

    // Fan A buys one General Admission ticket with the wallet.
    const a = await newPage(FAN_A);
    await a.goto(`${app.url}/events/aurora-nights-demo`);
    await a.getByRole("button", { name: "Pay with wallet: General Admission" }).click();
    const checkout = a.getByRole("region", { name: "Pay with wallet · General Admission" });
    await checkout.getByRole("button", { name: "Connect wallet" }).click();
    await chooseTestWallet(a);
    await checkout.getByRole("button", { name: "Pay 180 ETH" }).click();
    await checkout.getByRole("status").getByText("You have 1 ticket: #1").waitFor({ timeout: 30_000 });

    // … signs in and sells it from My tickets.
    await signIn(a);
    await waitForTicket(a, /#1/);
    await a.getByRole("button", { name: "Sell ticket #1" }).click();
    const dialog = a.getByRole("dialog", { name: /Sell · ticket #1/ });
    await dialog.getByTestId("resale-cap").waitFor();
    expect(await dialog.getByTestId("resale-cap").innerText()).toBe("198 ETH"); // 110 % of 180 ETH
    const connect = dialog.getByRole("button", { name: "Connect wallet" });
    const allow = dialog.getByRole("button", { name: "Allow marketplace" });
    await connect.or(allow).first().waitFor();
    if (await connect.isVisible()) {
      await connect.click();
      await chooseTestWallet(a);
    }
    const price = dialog.getByLabel(/Your price/);
    await price.fill("199");
    expect(await dialog.getByText("The promoter caps resale at 198 ETH.").count()).toBe(1);
    await price.fill("190");
    const breakdown = await dialog.getByTestId("resale-breakdown").innerText();
    expect(breakdown).toMatch(/Royalty to the promoter \(5 %\)\s+− 9\.5 ETH/);
    expect(breakdown).toMatch(/You receive/);
    mkdirSync("test-results", { recursive: true });
    await a.screenshot({ path: `test-results/resale-sell-dialog-${backend}.png` });
    await allow.click();
    await dialog.getByRole("button", { name: "Sign and list" }).click({ timeout: 30_000 });
    await dialog.getByText("Ticket #1 is listed for 190 ETH.").waitFor({ timeout: 30_000 });
    expect(await client.readContract({ address: ticketContract, abi: concertTicketAbi, functionName: "isApprovedForAll", args: [FAN_A, health.contracts.marketplace] })).toBe(true);
    await dialog.getByRole("button", { name: "Done" }).click();
    await a.getByTestId("listed").getByText("Listed for resale at 190 ETH").waitFor();

    // Fan B finds it on the event page and buys it.
    const escrow = { address: health.contracts.escrow, abi: paymentEscrowAbi } as const;
    const royaltyBefore = await client.readContract({ ...escrow, functionName: "credits", args: [PROMOTER, NATIVE] });
    const b = await newPage(FAN_B);
    await b.goto(`${app.url}/events/aurora-nights-demo`);
    const resale = b.getByRole("region", { name: "Resale" });
    const listing = resale.getByTestId("resale-listing");
    expect(await listing.count()).toBe(1);
    expect(await listing.innerText()).toMatch(/General Admission · #1[\s\S]*Sold by 0x3C44…93BC · cap 198 ETH[\s\S]*190 ETH/);
    await resale.scrollIntoViewIfNeeded();
    await b.screenshot({ path: `test-results/resale-list-${backend}.png`, fullPage: true });
    await listing.getByRole("button", { name: "Buy ticket #1 for 190 ETH" }).click();
    await listing.getByRole("button", { name: "Connect wallet" }).click();
    await chooseTestWallet(b);
    await listing.getByRole("button", { name: "Pay 190 ETH" }).click();
    await resale.getByRole("status").getByText(/Ticket #1 is yours/).waitFor({ timeout: 30_000 });

    // The chain agrees: B owns it; the escrow credited the promoter's 5 % royalty (Credited log in the fill).
    expect(getAddress(await client.readContract({ address: ticketContract, abi: concertTicketAbi, functionName: "ownerOf", args: [1n] }))).toBe(FAN_B);
    const royaltyAfter = await client.readContract({ ...escrow, functionName: "credits", args: [PROMOTER, NATIVE] });
    expect(royaltyAfter - royaltyBefore).toBe(parseEther("9.5"));
    const fills = await client.getContractEvents({ address: health.contracts.marketplace, abi: marketplaceAbi, eventName: "OrderFilled", fromBlock: 0n });
    expect(fills).toHaveLength(1);
    const receipt = await client.getTransactionReceipt({ hash: fills[0]!.transactionHash });
    const credited = parseEventLogs({ abi: paymentEscrowAbi, logs: receipt.logs, eventName: "Credited" });
    expect(credited.map((c) => [getAddress(c.args.payee), c.args.amount])).toContainEqual([PROMOTER, parseEther("9.5")]);

    // The listing is gone from the event page, and the ticket is under B's My tickets.
    await b.reload();
    expect(await b.getByRole("region", { name: "Resale" }).getByTestId("resale-listing").count()).toBe(0);
    await signIn(b);
    await waitForTicket(b, /#1/);
    expect(await b.getByTestId("ticket").first().innerText()).toMatch(/Aurora Nights[\s\S]*General Admission[\s\S]*#1[\s\S]*Your wallet/);

    // B gives it to a friend: safeTransferFrom from B's wallet.
    await b.getByRole("button", { name: "Transfer ticket #1 to a friend" }).click();
    const transfer = b.getByRole("dialog", { name: /Transfer to a friend · ticket #1/ });
    const connectB = transfer.getByRole("button", { name: "Connect wallet" });
    const sendButton = transfer.getByRole("button", { name: "Send ticket" });
    await connectB.or(sendButton).first().waitFor();
    if (await connectB.isVisible()) {
      await connectB.click();
      await chooseTestWallet(b);
    }
    await transfer.getByLabel("Friend's wallet address").fill(FAN_B);
    await sendButton.click();
    await transfer.getByText("That is your own wallet.").waitFor();
    await transfer.getByLabel("Friend's wallet address").fill(FRIEND);
    await sendButton.click();
    await transfer.getByText(/Ticket #1 was sent to 0x9965…A4dc/).waitFor({ timeout: 30_000 });
    expect(getAddress(await client.readContract({ address: ticketContract, abi: concertTicketAbi, functionName: "ownerOf", args: [1n] }))).toBe(FRIEND);
  });

  it("fan A lists another ticket; a card buyer without a wallet pays for it in test mode and finds it under My tickets", async () => {
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const ticketContract = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });

    // Fan A buys ticket #2 with the wallet and lists it (the marketplace is already approved).
    const a = await newPage(FAN_A);
    await a.goto(`${app.url}/events/aurora-nights-demo`);
    await a.getByRole("button", { name: "Pay with wallet: General Admission" }).click();
    const checkout = a.getByRole("region", { name: "Pay with wallet · General Admission" });
    await checkout.getByRole("button", { name: "Connect wallet" }).click();
    await chooseTestWallet(a);
    await checkout.getByRole("button", { name: "Pay 180 ETH" }).click();
    await checkout.getByRole("status").getByText("You have 1 ticket: #2").waitFor({ timeout: 30_000 });
    await signIn(a);
    await waitForTicket(a, /#2/);
    await a.getByRole("button", { name: "Sell ticket #2" }).click();
    const dialog = a.getByRole("dialog", { name: /Sell · ticket #2/ });
    const connect = dialog.getByRole("button", { name: "Connect wallet" });
    const sign = dialog.getByRole("button", { name: "Sign and list" });
    await connect.or(sign).first().waitFor({ timeout: 30_000 });
    if (await connect.isVisible()) {
      await connect.click();
      await chooseTestWallet(a);
    }
    await dialog.getByLabel(/Your price/).fill("190");
    await sign.click({ timeout: 30_000 });
    await dialog.getByText("Ticket #2 is listed for 190 ETH.").waitFor({ timeout: 30_000 });

    // A card buyer (no wallet) sees the card price (190 ETH at the feed's $0.25 = $47.50, nothing added).
    const buyer = await (await browser.newContext({ viewport: { width: 1100, height: 1400 } })).newPage();
    buyer.on("pageerror", (error) => consoleErrors.push(error.message));
    await buyer.goto(`${app.url}/events/aurora-nights-demo`);
    const listing = buyer.getByRole("region", { name: "Resale" }).getByTestId("resale-listing").filter({ hasText: "#2" });
    await listing.getByRole("button", { name: "Pay by card for ticket #2: $47.50" }).click();
    const form = listing.getByRole("form", { name: "Pay by card · ticket #2" });
    expect(await form.getByTestId("resale-card-breakdown").innerText()).toMatch(/190 ETH at today's rate = \$47\.50, rounded up to the cent; no card fee/);
    await form.getByLabel(/Email/).fill("cardfan@example.com");
    await form.getByRole("button", { name: "Pay $47.50 by card" }).click();
    await buyer.waitForURL(/\/test-checkout\/cs_test_/);
    await buyer.getByText("TEST MODE — no real card is charged").waitFor();
    await buyer.getByLabel("Card number").fill("4242 4242 4242 4242");
    await buyer.getByLabel("Expiry (MM / YY)").fill("12 / 34");
    await buyer.getByLabel("CVC").fill("123");
    await buyer.getByRole("button", { name: "Pay $47.50" }).click();
    await buyer.waitForURL(/\/resale\/orders\/[0-9a-f-]{36}\?session_id=cs_test_/);
    await buyer.getByRole("heading", { name: "Ticket #2 is yours" }).waitFor({ timeout: 60_000 });
    expect(await buyer.getByRole("status").innerText()).toMatch(/Your card has been charged \$47\.50/);
    await buyer.screenshot({ path: `test-results/resale-card-order-${backend}.png`, fullPage: true });
    // The listing is gone from the event page; on chain the ticket left A for the buyer's embedded wallet.
    await buyer.goto(`${app.url}/events/aurora-nights-demo`);
    expect(await buyer.getByRole("region", { name: "Resale" }).getByTestId("resale-listing").count()).toBe(0);
    const owner = getAddress(await client.readContract({ address: ticketContract, abi: concertTicketAbi, functionName: "ownerOf", args: [2n] }));
    expect(owner).not.toBe(FAN_A);

    // The buyer signs in by email and finds it, kept by TicketChain.
    await buyer.goto(`${app.url}/login`);
    await buyer.getByLabel("Email address").fill("cardfan@example.com");
    await buyer.getByRole("button", { name: "Email me a sign-in link" }).click();
    await buyer.getByRole("status").getByRole("link", { name: "dev mailbox" }).click();
    await buyer.getByRole("list", { name: "Mail" }).getByRole("listitem").filter({ hasText: "cardfan@example.com" }).getByRole("link", { name: /\/auth\/email\// }).first().click();
    await buyer.waitForURL(/\/tickets$/);
    await waitForTicket(buyer, /#2/);
    expect(await buyer.getByTestId("ticket").filter({ hasText: "#2" }).innerText()).toMatch(/Aurora Nights[\s\S]*General Admission[\s\S]*Kept by TicketChain/);
    await buyer.context().close();
  });

  it("the card buyer transfers the kept ticket to a friend by email; the friend lists it with one click and a wallet fan buys it", async () => {
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const ticketContract = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });
    const signInByEmail = async (page: Page, email: string) => {
      await page.goto(`${app.url}/login`);
      await page.getByLabel("Email address").fill(email);
      await page.getByRole("button", { name: "Email me a sign-in link" }).click();
      await page.getByRole("status").getByRole("link", { name: "dev mailbox" }).click();
      await page.getByRole("list", { name: "Mail" }).getByRole("listitem").filter({ hasText: email }).getByRole("link", { name: /\/auth\/email\// }).first().click();
      await page.waitForURL(/\/tickets$/);
    };

    // The card buyer of ticket #2 (kept by TicketChain) sends it to a friend's email.
    const giver = await (await browser.newContext({ viewport: { width: 1100, height: 1400 } })).newPage();
    giver.on("pageerror", (error) => consoleErrors.push(error.message));
    await signInByEmail(giver, "cardfan@example.com");
    await waitForTicket(giver, /#2/);
    await giver.getByRole("button", { name: "Transfer ticket #2 to a friend" }).click();
    const transfer = giver.getByRole("dialog", { name: /Transfer to a friend · ticket #2/ });
    await transfer.getByLabel("Friend's wallet address or email").fill("cardfan@example.com");
    await transfer.getByRole("button", { name: "Send ticket" }).click();
    await transfer.getByRole("alert").getByText("That is your own email address.").waitFor();
    await transfer.getByLabel("Friend's wallet address or email").fill("buddy@example.com");
    await transfer.getByRole("button", { name: "Send ticket" }).click();
    await transfer.getByText("Ticket #2 was sent to buddy@example.com.").waitFor({ timeout: 30_000 });
    await giver.context().close();

    // The friend signs in with that email, finds it kept for them and lists it with one click.
    const friend = await (await browser.newContext({ viewport: { width: 1100, height: 1400 } })).newPage();
    friend.on("pageerror", (error) => consoleErrors.push(error.message));
    await signInByEmail(friend, "buddy@example.com");
    await waitForTicket(friend, /#2/);
    expect(await friend.getByTestId("ticket").filter({ hasText: "#2" }).innerText()).toMatch(/Kept by TicketChain/);
    await friend.getByRole("button", { name: "Sell ticket #2" }).click();
    const sell = friend.getByRole("dialog", { name: /Sell · ticket #2/ });
    await sell.getByTestId("kept-resale-cap").waitFor();
    expect(await sell.getByTestId("kept-resale-cap").innerText()).toBe("198 ETH");
    await sell.getByLabel(/Your price/).fill("185");
    expect(await sell.getByTestId("kept-breakdown").innerText()).toMatch(/royalty 9\.25 ETH/);
    await sell.getByRole("button", { name: "List for 185 ETH" }).click();
    await sell.getByText("Ticket #2 is listed for 185 ETH.").waitFor({ timeout: 60_000 });
    await sell.getByRole("button", { name: "Done" }).click();
    await friend.getByTestId("listed").getByText("Listed for resale at 185 ETH").waitFor();

    // Fan B buys it with the wallet on the event page.
    const b = await newPage(FAN_B);
    await b.goto(`${app.url}/events/aurora-nights-demo`);
    const listing = b.getByRole("region", { name: "Resale" }).getByTestId("resale-listing").filter({ hasText: "#2" });
    await listing.getByRole("button", { name: "Buy ticket #2 for 185 ETH" }).click();
    await listing.getByRole("button", { name: "Connect wallet" }).click();
    await chooseTestWallet(b);
    await listing.getByRole("button", { name: "Pay 185 ETH" }).click();
    await b.getByRole("region", { name: "Resale" }).getByRole("status").getByText(/Ticket #2 is yours/).waitFor({ timeout: 30_000 });
    expect(getAddress(await client.readContract({ address: ticketContract, abi: concertTicketAbi, functionName: "ownerOf", args: [2n] }))).toBe(FAN_B);
    await friend.context().close();
  });

  it("logged no browser errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
