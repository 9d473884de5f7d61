import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import QRCode from "qrcode";
import { createPublicClient, createWalletClient, getAddress, http, keccak256, toHex, type Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, ticketFactoryAbi } from "../../app/contracts/abi";
import { doorPassTypedData, encodeDoorPass, passWindow } from "../../app/lib/door-pass";
import { CHROMIUM_ARGS, findChromium } from "../support/chromium";
import { signInWithWallet } from "../support/browser-app";
import { injectedWalletScript } from "../support/injected-wallet";
import { startApp, type AppInstance } from "../support/processes";

const MNEMONIC = "test test test test test test test test test test test junk";
const ADMIN = mnemonicToAccount(MNEMONIC, { addressIndex: 0 }).address;
/** #1: the demo promoter, who counts as door staff of the demo event. */
const PROMOTER = mnemonicToAccount(MNEMONIC, { addressIndex: 1 }).address;
/** #6: a fan with a browser wallet (its key also signs the test's expired pass). */
const FAN_KEY = mnemonicToAccount(MNEMONIC, { addressIndex: 6 });
const FAN = getAddress(FAN_KEY.address);
const SCREENSHOTS = path.resolve("test-results");

/**
 * Door check-in on the embedded defaults: a fan signs in with their wallet, opens "Show ticket" on My
 * tickets (the wallet signs the 30-second pass), and the demo promoter, signed in on the scanner page,
 * enters the pass text: green; the same again: red "already checked in"; a pass two minutes old: red
 * "expired". The check-in then reaches the chain through the batch job.
 */
describe("door check-in", () => {
  let dataDir: string;
  let app: AppInstance;
  let browser: Browser;
  let ticket: Address;
  let tokenId: bigint;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const executablePath = await findChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-door-"));
    app = await startApp(dataDir, { DATABASE_URL: "", REDIS_URL: "", SMTP_URL: "", APP_URL: "" });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    // The platform mints one General Admission ticket to the fan (as a card order would).
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { contracts: { factory: Address } };
    ticket = await client.readContract({ address: health.contracts.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [1n] });
    const hash = await createWalletClient({ chain: hardhat, transport: http(app.chainUrl), account: ADMIN }).writeContract({
      address: ticket,
      abi: concertTicketAbi,
      functionName: "mintBatch",
      args: [0n, [FAN, FAN, FAN], keccak256(toHex("door-e2e"))],
    });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    tokenId = await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "tokenForOrder", args: [keccak256(toHex("door-e2e"))] });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function signedIn(account: Address, viewport = { width: 420, height: 860 }, on: Browser = browser): Promise<Page> {
    const context = await on.newContext({ viewport });
    await context.addInitScript(injectedWalletScript({ rpcUrl: app.chainUrl, account, chainId: 31337 }));
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await signInWithWallet(page, app.url);
    return page;
  }

  let livePass: string;
  let scanner: Page;

  it("the fan shows the ticket: a live QR signed by their wallet, with a countdown and the pass text", async () => {
    const page = await signedIn(FAN);
    const card = page.getByTestId("ticket").filter({ hasText: `#${tokenId}` });
    await card.waitFor({ timeout: 30_000 });
    await card.getByRole("button", { name: "Show ticket" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByTestId("pass-qr").waitFor({ timeout: 30_000 });
    expect(await dialog.getByRole("timer").innerText()).toMatch(/^New code in \d+ s$/);
    livePass = (await dialog.getByTestId("pass-text").textContent())!.trim();
    expect(livePass).toMatch(new RegExp(`^TC1:31337:${ticket.toLowerCase()}:${tokenId}:${FAN.toLowerCase()}:\\d+:0x[0-9a-f]{130}$`));
    await page.screenshot({ path: path.join(SCREENSHOTS, "door-ticket-qr.png") });
    await page.context().close();
  });

  it("the promoter scans it at the door: green, then red 'already checked in'", async () => {
    scanner = await signedIn(PROMOTER, { width: 420, height: 900 });
    await scanner.goto(`${app.url}/door/aurora-nights-demo`);
    await scanner.getByRole("heading", { name: /Aurora Nights/ }).waitFor();
    await scanner.getByTestId("manifest").getByText(/\d+ tickets?$/).waitFor();
    await scanner.getByLabel("Gate").fill("gate A");
    await scanner.getByLabel("Pass text (manual entry)").fill(livePass);
    await scanner.getByRole("button", { name: "Check ticket" }).click();
    const verdict = scanner.getByTestId("verdict");
    await verdict.waitFor();
    expect(await verdict.getAttribute("data-ok")).toBe("true");
    expect(await verdict.innerText()).toMatch(new RegExp(`Valid — let in[\\s\\S]*Welcome in[\\s\\S]*Ticket #${tokenId} · General Admission · seat \\d+`));
    await scanner.screenshot({ path: path.join(SCREENSHOTS, "door-scanner-green.png"), fullPage: true });

    await scanner.getByRole("button", { name: "Scan next ticket" }).click();
    await scanner.getByLabel("Pass text (manual entry)").fill(livePass);
    await scanner.getByRole("button", { name: "Check ticket" }).click();
    await verdict.waitFor();
    expect(await verdict.getAttribute("data-ok")).toBe("false");
    expect(await verdict.innerText()).toMatch(/Refused[\s\S]*Already checked in at \d\d:\d\d UTC \(gate A\)/);
    await scanner.screenshot({ path: path.join(SCREENSHOTS, "door-scanner-red.png"), fullPage: true });
  });

  it("refuses a pass made two minutes ago (a screenshot): red 'expired'", async () => {
    const pass = { chainId: 31337, ticket, tokenId, holder: FAN, window: passWindow(Date.now() - 120_000) };
    const old = encodeDoorPass(pass, await FAN_KEY.signTypedData(doorPassTypedData(pass)));
    await scanner.getByRole("button", { name: "Scan next ticket" }).click();
    await scanner.getByLabel("Pass text (manual entry)").fill(old);
    await scanner.getByRole("button", { name: "Check ticket" }).click();
    const verdict = scanner.getByTestId("verdict");
    await verdict.waitFor();
    expect(await verdict.getAttribute("data-ok")).toBe("false");
    expect(await verdict.innerText()).toMatch(/Pass expired/);
    await scanner.context().close();
  });

  it("offline: two gates let the same ticket in; when the network returns one is accepted and the other is shown as a conflict", async () => {
    const second = tokenId + 1n;
    const pass = { chainId: 31337, ticket, tokenId: second, holder: FAN, window: passWindow() };
    const live = encodeDoorPass(pass, await FAN_KEY.signTypedData(doorPassTypedData(pass)));
    const gates: Page[] = [];
    for (const gate of ["gate A", "gate B"]) {
      const page = await signedIn(PROMOTER, { width: 420, height: 1000 });
      await page.goto(`${app.url}/door/aurora-nights-demo`);
      await page.getByTestId("manifest").getByText("3 tickets").waitFor();
      await page.getByLabel("Gate").fill(gate);
      await page.context().setOffline(true);
      await page.getByText("Offline — scans are queued").waitFor();
      await page.getByLabel("Pass text (manual entry)").fill(live);
      await page.getByRole("button", { name: "Check ticket" }).click();
      const verdict = page.getByTestId("verdict");
      await verdict.waitFor();
      expect(await verdict.getAttribute("data-ok")).toBe("true");
      expect(await verdict.innerText()).toMatch(/Welcome in \(offline — will sync\)/);
      expect(await page.getByRole("region", { name: "This scanner" }).innerText()).toMatch(/Waiting to sync\s+1/);
      gates.push(page);
    }
    await gates[0]!.screenshot({ path: path.join(SCREENSHOTS, "door-scanner-offline.png"), fullPage: true });
    // Gate A gets its network back first: accepted. Then gate B: a conflict.
    await gates[0]!.context().setOffline(false);
    await expect.poll(() => gates[0]!.getByRole("region", { name: "This scanner" }).innerText(), { timeout: 15_000 }).toMatch(/Waiting to sync\s+0/);
    await gates[0]!.getByText("Online", { exact: true }).waitFor();
    await gates[1]!.context().setOffline(false);
    const conflicts = gates[1]!.getByRole("region", { name: "Conflicts from offline scans" });
    await conflicts.waitFor({ timeout: 15_000 });
    expect(await conflicts.innerText()).toMatch(new RegExp(`Ticket #${second}: Already checked in at \\d\\d:\\d\\d UTC \\(gate A\\)`));
    await gates[1]!.screenshot({ path: path.join(SCREENSHOTS, "door-scanner-conflict.png"), fullPage: true });
    for (const page of gates) await page.context().close();
  });

  it("scans with the camera: the fan's live QR in front of the scanner's camera gives green (jsQR decoding frames of a real video stream)", async () => {
    // Chromium's fake capture device plays a Y4M video: here, frames showing the QR of a live pass of the
    // third ticket, drawn as the fan's phone would show it. Chromium on Linux has no BarcodeDetector, so
    // this is the page's fallback decoder (jsQR) reading the camera stream.
    const third = tokenId + 2n;
    const pass = { chainId: 31337, ticket, tokenId: third, holder: FAN, window: passWindow() };
    const live = encodeDoorPass(pass, await FAN_KEY.signTypedData(doorPassTypedData(pass)));
    const video = path.join(dataDir, "qr-camera.y4m");
    writeFileSync(video, qrVideo(live));
    const camera = await chromium.launch({
      executablePath: await findChromium(),
      args: [...CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${video}`],
    });
    try {
      const page = await signedIn(PROMOTER, { width: 420, height: 1000 }, camera);
      await page.goto(`${app.url}/door/aurora-nights-demo`);
      await page.getByTestId("manifest").getByText("3 tickets").waitFor();
      await page.getByLabel("Gate").fill("gate C");
      await page.getByRole("button", { name: "Start camera" }).click();
      await page.getByLabel("Camera preview").waitFor();
      const verdict = page.getByTestId("verdict");
      await verdict.waitFor({ timeout: 30_000 });
      expect(await verdict.getAttribute("data-ok")).toBe("true");
      expect(await verdict.innerText()).toMatch(new RegExp(`Welcome in[\\s\\S]*Ticket #${third} · General Admission`));
      await page.screenshot({ path: path.join(SCREENSHOTS, "door-scanner-camera.png"), fullPage: true });
      await page.getByRole("button", { name: "Stop camera" }).click();
      await page.context().close();
    } finally {
      await camera.close();
    }
  });

  it("the check-in reaches the chain in the next batch (server signer, scannerRole granted by the demo promoter)", async () => {
    const client = createPublicClient({ chain: hardhat, transport: http(app.chainUrl) });
    const deadline = Date.now() + 45_000;
    let onChain = false;
    while (!onChain && Date.now() < deadline) {
      onChain = await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "isCheckedIn", args: [tokenId] });
      if (!onChain) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(onChain).toBe(true);
    for (let i = 0; i < 30 && !(await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "isCheckedIn", args: [tokenId + 1n] })); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "isCheckedIn", args: [tokenId + 1n] })).toBe(true);
    expect(app.output()).toMatch(/checked in on chain/);
  });

  it("logged no browser errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});

/**
 * A Y4M video (YUV 4:2:0, 640×480, 10 frames at 10 fps, looped by Chromium) of `text` as a black-on-white
 * QR code with its quiet zone, centred: what Chromium's fake camera device plays.
 */
function qrVideo(text: string): Buffer {
  const width = 640;
  const height = 480;
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const modules = qr.modules.size;
  const scale = Math.floor((height - 40) / (modules + 8));
  const side = (modules + 8) * scale;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 60); // a dark room around the phone's white screen
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const row = Math.floor(y / scale) - 4;
      const col = Math.floor(x / scale) - 4;
      const dark = row >= 0 && col >= 0 && row < modules && col < modules && qr.modules.get(row, col);
      luma[(top + y) * width + left + x] = dark ? 16 : 235;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma]);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), ...Array(10).fill(frame)]);
}
