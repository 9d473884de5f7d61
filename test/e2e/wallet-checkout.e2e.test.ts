import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { createPublicClient, getAddress, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, ticketFactoryAbi } from "../../app/contracts/abi";
import { startBrowserApp, type BrowserApp } from "../support/browser-app";
import { browserBackends } from "../support/databases";
import type { AppInstance } from "../support/processes";

/** Hardhat demo account #2: a fan with test ETH. */
const FAN = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");

/** Records every text the checkout's status line shows (pending states can last only milliseconds). */
const STATUS_RECORDER = `(() => {
  window.__statusLog = [];
  new MutationObserver(() => {
    const el = document.querySelector('[data-testid="checkout-status"]');
    const text = el ? el.innerText.trim() : "";
    const log = window.__statusLog;
    if (text && log[log.length - 1] !== text) log.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();`;

describe.each(browserBackends())("a fan paying with a wallet (database: %s)", (backend, createDatabase) => {
  let env: BrowserApp;
  let app: AppInstance;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    env = await startBrowserApp("checkout", createDatabase);
    ({ app, consoleErrors } = env);
  });

  afterAll(async () => {
    await env?.stop();
  });

  const newPage = () => env.newPage({ account: FAN, knownChains: [31337, 1], initScripts: [STATUS_RECORDER] });

  async function connectInCheckout(page: Page, tier: string) {
    await page.goto(`${app.url}/events/aurora-nights-demo`);
    await page.getByRole("button", { name: `Pay with wallet: ${tier}` }).click();
    const checkout = page.getByRole("region", { name: `Pay with wallet · ${tier}` });
    await checkout.getByRole("button", { name: "Connect wallet" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: /Test Wallet/ }).click();
    await dialog.waitFor({ state: "detached" });
    return checkout;
  }

  it("buys 2 tickets: pending, then confirmed with the token ids; seats left drop once indexed", async () => {
    const page = await newPage();
    await page.goto(`${app.url}/events/aurora-nights-demo`);
    const seatsLeft = page.getByTestId("seats-left-0");
    expect(await seatsLeft.innerText()).toBe("500 of 500");
    // Price in fiat (from the feed: 180 ETH at $0.25) and in the chain's coin.
    expect(await page.getByRole("table").getByRole("row").nth(1).innerText()).toMatch(/General Admission\s+\$45\.00\s*180 ETH\s+500 of 500/);

    const checkout = await connectInCheckout(page, "General Admission");
    await checkout.getByLabel("Quantity").selectOption("2");
    expect(await checkout.getByTestId("checkout-total").innerText()).toBe("360 ETH≈ $90.00");
    await checkout.getByRole("button", { name: "Pay 360 ETH" }).click();

    const status = checkout.getByRole("status");
    await status.getByText("You have 2 tickets: #1, #2").waitFor({ timeout: 30_000 });
    const log = await page.evaluate(() => (window as unknown as { __statusLog: string[] }).__statusLog);
    const firstPending = log.findIndex((t) => /Confirm in your wallet|Waiting for confirmation/.test(t));
    const confirmed = log.findIndex((t) => t.includes("You have 2 tickets: #1, #2"));
    expect(firstPending, log.join(" | ")).toBeGreaterThanOrEqual(0);
    expect(firstPending).toBeLessThan(confirmed);
    expect(log.some((t) => /Waiting for confirmation[\s\S]*0x[0-9a-f]{64}/.test(t)), log.join(" | ")).toBe(true);

    // The chain agrees.
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { indexer: { ok: boolean; lag: number }; contracts: { factory: Address } };
    expect(health.indexer.ok).toBe(true);
    const ticket = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });
    for (const id of [1n, 2n]) {
      expect(getAddress(await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "ownerOf", args: [id] }))).toBe(FAN);
    }

    // The indexer catches up and the page reloads its numbers.
    await page.waitForFunction(() => document.querySelector('[data-testid="seats-left-0"]')?.textContent === "498 of 500", null, { timeout: 30_000 });

    // Its metadata is served where tokenURI points.
    const uri = await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "tokenURI", args: [1n] });
    expect(uri).toMatch(new RegExp(`/metadata/31337/${ticket}/1$`));
    const metadata = await fetch(`${app.url}${new URL(uri).pathname}`);
    expect(metadata.status).toBe(200);
    expect(((await metadata.json()) as { name: string }).name).toBe("Aurora Nights — Live at the Harbour Hall — General Admission #1");

    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: `test-results/wallet-checkout-${backend}.png`, fullPage: true });
    await page.context().close();
  });

  it("finds the tickets bought with the wallet under My tickets after signing in with that wallet", async () => {
    const page = await newPage();
    await env.signInWithWallet(page);
    const cards = page.getByTestId("ticket");
    await cards.first().waitFor();
    expect(await cards.count()).toBe(2);
    const texts = await cards.allInnerTexts();
    for (const [i, text] of texts.entries()) {
      expect(text).toMatch(/Aurora Nights — Live at the Harbour Hall/);
      expect(text).toMatch(/General Admission/);
      expect(text).toContain(`#${i + 1}`);
      expect(text).toMatch(/Your wallet/);
      expect(text).not.toMatch(/Claim to my wallet/);
    }
    await page.context().close();
  });

  it("asks a wallet on another network (Ethereum, chain 1) to switch, and switches it", async () => {
    const page = await newPage();
    const checkout = await connectInCheckout(page, "VIP");
    await checkout.getByRole("button", { name: /^Pay / }).waitFor();
    // The fan picks Ethereum in the wallet.
    await page.evaluate(() => (window as unknown as { __testWallet: { setChainId(id: number): void } }).__testWallet.setChainId(1));
    const alert = checkout.getByRole("alert");
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/another network \(chain 1\)[\s\S]*Local Hardhat/);
    expect(await checkout.getByRole("button", { name: /^Pay / }).count()).toBe(0);
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: `test-results/wallet-checkout-wrong-network-${backend}.png` });
    await checkout.getByRole("button", { name: "Switch to Local Hardhat" }).click();
    await checkout.getByRole("button", { name: "Pay 480 ETH" }).waitFor();
    expect(await alert.count()).toBe(0);
    await page.context().close();
  });

  it("logged no browser errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
