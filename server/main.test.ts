import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SERVER_NODE_ARGS, startScript } from "../test/support/processes";

/** The tests and benches start the server with npm start's Node flags (test/support/processes.ts). */
describe("the server's Node flags", () => {
  it.each(["start", "dev"])("npm run %s passes SERVER_NODE_ARGS before the server", (name) => {
    const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts[name]).toContain(`node ${SERVER_NODE_ARGS.join(" ")} --import tsx server/main.ts`);
  });
});

/** Start-up refuses a wrong environment with a message naming the variable, before starting anything. */
describe("npm start with a wrong environment", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-env-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const run = async (env: Record<string, string>) => {
    const app = await startScript("server/main.ts", { env: { DATA_DIR: dataDir, ...env } });
    const code = await app.exited;
    return { code, output: app.output() };
  };

  it.each([
    [{ PORT: "eighty" }, /cannot start: Invalid environment:\n\s+- PORT: Expected number, received nan \(got "eighty"\)/],
    [{ DATABASE_URL: "mysql://root@localhost/x" }, /- DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ connection URL/],
    [{ CHAIN: "polygon" }, /- RPC_URL_POLYGON: is required when CHAIN=polygon/],
    [{ STRIPE_SECRET_KEY: "sk_test_123" }, /- STRIPE_WEBHOOK_SECRET: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together/],
  ])("%o stops with exit code 1 and says why", async (env, message) => {
    const { code, output } = await run(env);
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toContain("listening");
  });

  it("stops when the configured RPC does not answer, naming the variable", async () => {
    const { code, output } = await run({ RPC_URL_AMOY: "http://127.0.0.1:9", WALLET_KEYS: `k1:${"A".repeat(43)}=`, SESSION_SECRET: "s".repeat(40), MINTER_PRIVATE_KEY: `0x${"1".repeat(64)}` });
    expect(code).toBe(1);
    expect(output).toMatch(/cannot start: the RPC_URL_AMOY RPC does not answer/);
  });
});
