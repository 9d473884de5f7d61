import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { createPublicClient, createWalletClient, getAddress, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, ticketFactoryAbi } from "../../app/contracts/abi";
import { CHROMIUM_ARGS, findChromium } from "../support/chromium";
import { injectedWalletScript } from "../support/injected-wallet";
import { browserBackends, type TestDatabase } from "../support/databases";
import { startApp, type AppInstance } from "../support/processes";

/** Hardhat demo account #2: a fan. */
const FAN = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");

/** On the embedded defaults (PGlite), and again on a fresh database of the real PostgreSQL when DATABASE_URL is set. */
describe.each(browserBackends())("a visitor on the embedded defaults (database: %s)", (backend, createDatabase) => {
  let database: TestDatabase;
  let appEnv: Record<string, string>;
  let dataDir: string;
  let app: AppInstance;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const executablePath = await findChromium();
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-e2e-"));
    database = await createDatabase();
    appEnv = { DATABASE_URL: database.databaseUrl ?? "" };
    app = await startApp(dataDir, appEnv);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** `expect404`: the browser reports a 404 document as a console error; on that page it is expected. */
  async function newPage(withWallet = false, expect404 = false): Promise<Page> {
    const context = await browser.newContext();
    if (withWallet) {
      await context.addInitScript(injectedWalletScript({ rpcUrl: app.chainUrl, account: FAN, chainId: 31337 }));
    }
    const page = await context.newPage();
    page.on("console", (message) => {
      const expected = expect404 && /status of 404 \(Not Found\)/.test(message.text());
      if (message.type() === "error" && !expected) {
        consoleErrors.push(message.text());
      }
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    return page;
  }

  it("on a phone screen, the home and event pages fit the width and keep their main actions in reach", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    for (const [url, name] of [[app.url, "home"], [`${app.url}/events/aurora-nights-demo`, "event"]] as const) {
      await page.goto(url);
      await page.getByRole("heading", { level: 1 }).waitFor();
      // Nothing wider than the screen: no sideways scrolling on a phone.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} page is ${overflow}px wider than the screen`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join("test-results", `${name}-phone-${backend}.png`), fullPage: true });
    }
    // Each tier's "Pay with wallet" button is whole on screen (not cut off by the tier table).
    for (const tier of ["General Admission", "VIP"]) {
      const pay = (await page.getByRole("button", { name: `Pay with wallet: ${tier}` }).boundingBox())!;
      expect(pay.x).toBeGreaterThanOrEqual(0);
      expect(pay.x + pay.width, `${tier}: Pay with wallet ends at ${pay.x + pay.width}px`).toBeLessThanOrEqual(390);
    }
    const payByCard = page.getByRole("region", { name: "Pay by card" }).getByRole("button", { name: /Pay by card/ });
    await payByCard.scrollIntoViewIfNeeded();
    const box = (await payByCard.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(300); // a full-width, thumb-sized button
    expect(box.height).toBeGreaterThanOrEqual(40);
    await context.close();
  });

  it("sees the seeded event on the home page and opens it", async () => {
    const page = await newPage();
    await page.goto(app.url);
    await expect(page.title()).resolves.toContain("TicketChain");
    await page.getByRole("heading", { name: "Upcoming events" }).waitFor();
    const events = page.getByRole("list", { name: "Events" }).getByRole("listitem");
    expect(await events.count()).toBe(1);
    const card = events.first();
    await expect(card.textContent()).resolves.toMatch(/Aurora Nights.*Harbour Hall, Lisbon.*From \$45\.00 · 550 left/s);
    expect(await page.getByText("Test mode").isVisible()).toBe(true);
    await page.screenshot({ path: path.join("test-results", `home-${backend}.png`), fullPage: true });

    await card.getByRole("link").click();
    await page.waitForURL(/\/events\/aurora-nights-demo$/);
    await page.getByRole("heading", { level: 1, name: /Aurora Nights/ }).waitFor();
    await page.screenshot({ path: path.join("test-results", `event-${backend}.png`), fullPage: true });
    const rows = page.getByRole("table").getByRole("row");
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(1).innerText()).toMatch(/General Admission\s+\$45\.00\s*180 ETH\s+500 of 500/);
    expect(await rows.nth(2).innerText()).toMatch(/VIP\s+\$120\.00\s*480 ETH\s+50 of 50/);

    // The on-chain details are one click away (a native <details> disclosure), and name the real contract.
    const contract = page.getByTestId("ticket-contract");
    expect(await contract.isVisible()).toBe(false);
    await page.getByText("How these tickets work").click();
    await contract.waitFor();
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const onChain = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });
    expect(await contract.innerText()).toBe(onChain);
    await page.context().close();
  });

  it("tags every response with a request id and exposes Prometheus metrics", async () => {
    const page = await fetch(`${app.url}/events/aurora-nights-demo`);
    expect(page.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await fetch(`${app.url}/`, { headers: { "x-request-id": "lb-trace-12345678" } });
    expect(echoed.headers.get("x-request-id")).toBe("lb-trace-12345678");
    const metrics = await fetch(`${app.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    const body = await metrics.text();
    expect(body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/events\/:slug",status="200"\} [1-9]/);
    expect(body).toMatch(/^mint_queue_depth \d+$/m);
    expect(body).toMatch(/^indexer_lag_blocks \d+$/m);
    // One JSON log line per request, with its id and no query string or headers. It is written when the
    // response finishes and reaches this process through the child's stdout pipe: wait for it.
    const logged = /\{"level":"info".*"requestId":"lb-trace-12345678".*"route":"\/".*"status":200/;
    for (let i = 0; i < 50 && !logged.test(app.output()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(app.output()).toMatch(logged);
  });

  it("answers an unknown event with a 404 page, not an error", async () => {
    const page = await newPage(false, true);
    const response = await page.goto(`${app.url}/events/no-such-show`);
    expect(response?.status()).toBe(404);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    expect(await page.getByText("We could not find this event.").isVisible()).toBe(true);
    await page.context().close();
  });

  it("downloads the wallet code only after Connect wallet is clicked, then connects", async () => {
    const page = await newPage(true);
    const scripts: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "script") scripts.push(request.url());
    });
    const discoveryRequests = () => page.evaluate(() => (window as unknown as { __walletDiscoveryRequests: number }).__walletDiscoveryRequests);
    await page.goto(`${app.url}/events/aurora-nights-demo`);
    await page.waitForLoadState("networkidle");
    // No wallet library has run: nobody asked for EIP-6963 wallets yet.
    expect(await discoveryRequests()).toBe(0);
    const scriptsBeforeClick = scripts.length;

    await page.getByRole("button", { name: "Connect wallet" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(scripts.length).toBeGreaterThan(scriptsBeforeClick);
    expect(await discoveryRequests()).toBeGreaterThan(0);
    await dialog.getByRole("button", { name: /Test Wallet/ }).click();
    // Connecting asks to sign in (SIWE, docs/decisions/010-accounts-and-sessions.md).
    await dialog.getByRole("button", { name: "Sign message" }).click();
    await dialog.waitFor({ state: "detached" });
    // The header shows the signed-in account, shortened.
    await page.getByRole("button", { name: /0x3C.*93BC/i }).waitFor();
    await page.context().close();
  });

  it("keeps tickets bought before a restart, with one demo event", async () => {
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const wallet = createWalletClient({ chain: hardhat, transport: http(app.chainUrl), account: FAN });
    const ticket = await client.readContract({
      address: health.contracts.factory,
      abi: ticketFactoryAbi,
      functionName: "eventContract",
      args: [1n],
    });
    const price = (await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "tier", args: [1n] })).price;
    const hash = await wallet.writeContract({
      address: ticket,
      abi: concertTicketAbi,
      functionName: "buy",
      args: [1n, 2n],
      value: price * 2n,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const blockBefore = await client.getBlock({ blockNumber: receipt.blockNumber });

    expect(await app.stop()).toBe(0);
    expect(app.output()).toContain("SIGINT: stopping");
    app = await startApp(dataDir, appEnv);

    const after = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    expect(getAddress(await after.readContract({ address: ticket, abi: concertTicketAbi, functionName: "ownerOf", args: [1n] }))).toBe(FAN);
    expect(getAddress(await after.readContract({ address: ticket, abi: concertTicketAbi, functionName: "ownerOf", args: [2n] }))).toBe(FAN);
    expect((await after.readContract({ address: ticket, abi: concertTicketAbi, functionName: "tier", args: [1n] })).sold).toBe(2);
    // The same block, byte for byte: the chain was rebuilt, not re-created.
    expect((await after.getBlock({ blockNumber: receipt.blockNumber })).hash).toBe(blockBefore.hash);
    expect(app.output()).toMatch(/replayed \d+ calls/);

    const healthAfter = await fetch(`${app.url}/healthz`);
    expect(healthAfter.status).toBe(200);
    const after_ = (await healthAfter.json()) as { contracts: Record<string, string> };
    for (const name of ["factory", "escrow", "marketplace", "fractions", "forwarder", "ticketImplementation", "paymentToken"]) {
      expect(after_.contracts[name], name).toMatch(/^0x[0-9a-fA-F]{40}$/);
    }
    const page = await newPage();
    await page.goto(app.url);
    expect(await page.getByRole("list", { name: "Events" }).getByRole("listitem").count()).toBe(1);
    await page.context().close();
  });

  it("logged no browser errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
