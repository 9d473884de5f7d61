import { describe, expect, it } from "vitest";
import { EnvError, parseEnv, publicEnv } from "./env.server";

function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error("expected the environment to be rejected");
}

describe("parseEnv", () => {
  it("needs nothing: embedded defaults", () => {
    const env = parseEnv({});
    expect(env.chain).toBe("local");
    expect(env.PORT).toBe(3000);
    expect(env.DATA_DIR).toBe(".data");
    expect(env.LOCAL_CHAIN_PORT).toBe(8545);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", REDIS_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("names the variable and what is expected", () => {
    expect(problems({ PORT: "eighty" })).toEqual([expect.stringMatching(/^PORT: .*number.*\(got "eighty"\)/)]);
    expect(problems({ PORT: "70000" })[0]).toMatch(/^PORT: .*65535/);
    expect(problems({ DATABASE_URL: "mysql://x" })[0]).toMatch(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ connection URL \(got a value\)$/);
    expect(problems({ REDIS_URL: "localhost:6379" })[0]).toMatch(/^REDIS_URL: must be a redis:\/\//);
    expect(problems({ DEPLOYER_PRIVATE_KEY: "0x1234" })[0]).toMatch(/^DEPLOYER_PRIVATE_KEY: must be 0x followed by 64 hex digits \(got a value\)$/);
    expect(problems({ CHAIN: "solana" })[0]).toMatch(/^CHAIN: .*'local' \| 'amoy' \| 'polygon' \| 'sepolia' \| 'ethereum'/);
  });

  it("never echoes secrets back", () => {
    const [message] = problems({ STRIPE_SECRET_KEY: "pk_live_secretvalue", STRIPE_WEBHOOK_SECRET: "whsec_abc" });
    expect(message).toMatch(/^STRIPE_SECRET_KEY: must look like sk_test_/);
    expect(message).not.toContain("secretvalue");
  });

  it("wants both Stripe values or neither", () => {
    expect(problems({ STRIPE_SECRET_KEY: "sk_test_abc" })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together/),
    ]);
    expect(parseEnv({ STRIPE_SECRET_KEY: "sk_test_abc", STRIPE_WEBHOOK_SECRET: "whsec_def" }).STRIPE_SECRET_KEY).toBe("sk_test_abc");
  });

  it("checks the price feed, pinning and indexer settings; pinning URL and token go together; the token is never echoed", () => {
    expect(problems({ PRICE_FEED_ADDRESS: "0x123" })[0]).toMatch(/^PRICE_FEED_ADDRESS: must be a 0x-prefixed 20-byte contract address/);
    expect(problems({ IPFS_PINNING_URL: "https://pin.example" })).toEqual([
      expect.stringMatching(/^IPFS_PINNING_TOKEN: IPFS_PINNING_URL and IPFS_PINNING_TOKEN must be set together/),
    ]);
    const [short] = problems({ IPFS_PINNING_URL: "https://pin.example", IPFS_PINNING_TOKEN: "abc" });
    expect(short).toMatch(/^IPFS_PINNING_TOKEN: .*\(got a value\)$/);
    expect(short).not.toContain("abc\"");
    expect(problems({ INDEXER_START_BLOCK: "-1" })[0]).toMatch(/^INDEXER_START_BLOCK: /);
    const env = parseEnv({ IPFS_PINNING_URL: "https://pin.example/v1", IPFS_PINNING_TOKEN: "token-12345", INDEXER_START_BLOCK: "65000000" });
    expect([env.IPFS_PINNING_URL, env.INDEXER_START_BLOCK]).toEqual(["https://pin.example/v1", 65_000_000]);
  });

  const SECRETS = { WALLET_KEYS: `k1:${"A".repeat(43)}=`, SESSION_SECRET: "s".repeat(40), MINTER_PRIVATE_KEY: `0x${"1".repeat(64)}` };

  it("picks the chain from the RPC URLs, Polygon first", () => {
    expect(parseEnv({ ...SECRETS, RPC_URL_AMOY: "https://rpc-amoy.example" }).chain).toBe("amoy");
    expect(parseEnv({ ...SECRETS, RPC_URL_ETHEREUM: "https://eth.example", RPC_URL_POLYGON: "https://polygon.example" }).chain).toBe("polygon");
    expect(parseEnv({ ...SECRETS, RPC_URL_POLYGON: "https://a.example, https://b.example" }).RPC_URL_POLYGON).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
  });

  it("requires the RPC URL of an explicitly chosen chain", () => {
    expect(problems({ ...SECRETS, CHAIN: "polygon" })).toEqual(["RPC_URL_POLYGON: is required when CHAIN=polygon"]);
    expect(problems({ RPC_URL_AMOY: "ftp://nope" })[0]).toMatch(/^RPC_URL_AMOY: .*http/);
  });

  it("requires wallet keys and a session secret on a real chain, and checks their shape", () => {
    expect(problems({ RPC_URL_AMOY: "https://rpc-amoy.example" }).map((p) => p.split(":")[0])).toEqual(["WALLET_KEYS", "SESSION_SECRET", "MINTER_PRIVATE_KEY"]);
    expect(parseEnv({}).WALLET_KEYS).toBeUndefined(); // the local chain generates them under DATA_DIR
    const [bad] = problems({ WALLET_KEYS: "k1:tooshort" });
    expect(bad).toMatch(/^WALLET_KEYS: .*<id>:<32 random bytes in base64>/);
    expect(bad).not.toContain("tooshort");
    expect(parseEnv({ WALLET_KEYS: `new:${"B".repeat(43)}=, old:${"A".repeat(43)}=` }).WALLET_KEYS).toHaveLength(2);
  });

  it("reports every wrong variable at once", () => {
    expect(problems({ PORT: "x", REDIS_URL: "y" }).map((p) => p.split(":")[0])).toEqual(["PORT", "REDIS_URL"]);
  });
});

describe("publicEnv", () => {
  it("exposes only what the browser needs", () => {
    const env = parseEnv({
      DATABASE_URL: "postgres://user:pw@db/x",
      STRIPE_SECRET_KEY: "sk_test_abc",
      STRIPE_WEBHOOK_SECRET: "whsec_def",
      LOCAL_CHAIN_PORT: "9545",
    });
    const shown = publicEnv(env);
    expect(shown).toEqual({
      chainId: 31337,
      chainName: "Local Hardhat",
      localRpcUrl: "http://127.0.0.1:9545",
      walletConnectProjectId: null,
      testModePayments: false,
    });
    expect(JSON.stringify(shown)).not.toMatch(/sk_test|whsec|pw@/);
  });
});

describe("mail settings", () => {
  it("defaults MAIL_FROM and leaves SMTP_URL unset (dev mailbox)", () => {
    const env = parseEnv({});
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.MAIL_FROM).toBe("TicketChain <no-reply@ticketchain.local>");
  });
  it("accepts SMTP with APP_URL, refuses SMTP without it, a non-SMTP URL and a bad sender, without echoing the URL", () => {
    expect(parseEnv({ SMTP_URL: "smtps://u:p@mail.example.com:465", APP_URL: "https://tickets.example.com", MAIL_FROM: "Tickets <hi@example.com>" }).SMTP_URL).toBe(
      "smtps://u:p@mail.example.com:465",
    );
    expect(problems({ SMTP_URL: "smtp://u:p@mail.example.com" })).toEqual(["APP_URL: is required when SMTP_URL is set (links in emails point there)"]);
    const [bad] = problems({ SMTP_URL: "http://u:secret@mail.example.com", APP_URL: "https://t.example.com" });
    expect(bad).toMatch(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL .*\(got a value\)$/);
    expect(bad).not.toContain("secret");
    expect(problems({ MAIL_FROM: "not an address" })[0]).toMatch(/^MAIL_FROM: must be an address or "Name <address>"/);
  });
});
