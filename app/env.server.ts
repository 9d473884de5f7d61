import { z } from "zod";

/**
 * The environment, parsed once at start-up. Every variable is optional: without configuration the
 * product runs on embedded defaults (local Hardhat chain, PGlite, in-process cache, test-mode checkout).
 * A value that is set but wrong stops the app with a message naming the variable.
 */

export const CHAINS = {
  local: { id: 31337, name: "Local Hardhat", rpcVar: null },
  amoy: { id: 80002, name: "Polygon Amoy", rpcVar: "RPC_URL_AMOY" },
  polygon: { id: 137, name: "Polygon", rpcVar: "RPC_URL_POLYGON" },
  sepolia: { id: 11155111, name: "Sepolia", rpcVar: "RPC_URL_SEPOLIA" },
  ethereum: { id: 1, name: "Ethereum", rpcVar: "RPC_URL_ETHEREUM" },
} as const;
export type ChainKey = keyof typeof CHAINS;

const rpcList = z
  .string()
  .transform((value) => value.split(",").map((url) => url.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.string().url().regex(/^(https?|wss?):\/\//, "must be an http(s):// or ws(s):// URL"))
      .min(1, "must list at least one URL"),
  )
  .describe("one or more JSON-RPC URLs, comma-separated (several providers = fallback)");

const port = z.coerce.number().int().min(1).max(65535);
const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: port.default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    DATA_DIR: z.string().min(1).default(".data"),

    DATABASE_URL: optional(
      z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection URL"),
    ),
    // Prepared statements on PostgreSQL (db/client.server.ts); "false" behind a pooler that cannot keep them.
    DATABASE_PREPARE: z.enum(["true", "false"], { message: 'must be "true" or "false"' }).default("true"),
    REDIS_URL: optional(z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")),

    CHAIN: optional(z.enum(["local", "amoy", "polygon", "sepolia", "ethereum"])),
    LOCAL_CHAIN_HOST: z.string().min(1).default("127.0.0.1"),
    LOCAL_CHAIN_PORT: port.default(8545),
    // Where this server reaches the embedded chain when something sits in between (a proxy, a sidecar).
    LOCAL_CHAIN_RPC_URL: optional(z.string().regex(/^https?:\/\/[^\s]+$/, "must be an http:// or https:// URL")),
    RPC_URL_AMOY: optional(rpcList),
    RPC_URL_POLYGON: optional(rpcList),
    RPC_URL_SEPOLIA: optional(rpcList),
    RPC_URL_ETHEREUM: optional(rpcList),
    DEPLOYER_PRIVATE_KEY: optional(z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")),
    TICKETMASTER_API_KEY: optional(z.string().regex(/^[A-Za-z0-9]{16,64}$/, "must be the Consumer Key of a developer.ticketmaster.com app")),
    TICKETMASTER_API_URL: z.string().url().default("https://app.ticketmaster.com"),

    STRIPE_SECRET_KEY: optional(z.string().regex(/^(sk|rk)_(test|live)_\w+$/, "must look like sk_test_… or sk_live_…")),
    STRIPE_WEBHOOK_SECRET: optional(z.string().regex(/^whsec_\w+$/, "must look like whsec_…")),
    WALLET_KEYS: optional(
      z
        .string()
        .transform((value) => value.split(",").map((entry) => entry.trim()).filter(Boolean))
        .pipe(
          z
            .array(
              z
                .string()
                .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/, "each entry must be <id>:<32 random bytes in base64> (openssl rand -base64 32)"),
            )
            .min(1),
        )
        .describe("key-encryption keys for embedded wallets, newest first: id:base64,…"),
    ),
    MINTER_PRIVATE_KEY: optional(z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")),
    SESSION_SECRET: optional(z.string().min(32, "must be at least 32 characters (openssl rand -base64 48)")),
    APP_URL: optional(z.string().url().regex(/^https?:\/\//, "must be an http(s):// URL")),
    SMTP_URL: optional(z.string().regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL (smtps://user:pass@mail.example.com:465)")),
    MAIL_FROM: z
      .string()
      .regex(/^([^<>]+<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/, 'must be an address or "Name <address>"')
      .default("TicketChain <no-reply@ticketchain.local>"),
    PRICE_FEED_ADDRESS: optional(z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte contract address")),
    IPFS_PINNING_URL: optional(z.string().url().regex(/^https?:\/\//, "must be the http(s):// endpoint of an IPFS Pinning Service API")),
    IPFS_PINNING_TOKEN: optional(z.string().min(8, "must be the pinning service's access token")),
    INDEXER_START_BLOCK: optional(z.coerce.number().int().min(0)),
    METRICS_TOKEN: optional(z.string().min(16, "must be at least 16 characters")),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /**
     * Express's "trust proxy": which proxies may name the client in X-Forwarded-For (a hop count like "1",
     * or addresses/subnets/"loopback"/"uniquelocal", comma-separated). Unset: the socket's address is the
     * client, so behind a load balancer every fan would share its address (and its per-IP rate limits).
     */
    TRUST_PROXY: optional(z.string().regex(/^(\d{1,2}|true|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, 'must be a hop count ("1"), "true", or proxy addresses/subnets ("loopback, 10.0.0.0/8")')),
    WALLETCONNECT_PROJECT_ID: optional(z.string().regex(/^[0-9a-f]{32}$/, "must be the 32-hex-digit id from cloud.reown.com")),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [env.STRIPE_SECRET_KEY ? "STRIPE_WEBHOOK_SECRET" : "STRIPE_SECRET_KEY"],
        message: "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together (or neither, for test-mode checkout)",
      });
    }
    if (env.SMTP_URL && !env.APP_URL) {
      // Sign-in links in real mail must not be built from the request's Host header (link poisoning).
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["APP_URL"], message: "is required when SMTP_URL is set (links in emails point there)" });
    }
    if (Boolean(env.IPFS_PINNING_URL) !== Boolean(env.IPFS_PINNING_TOKEN)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [env.IPFS_PINNING_URL ? "IPFS_PINNING_TOKEN" : "IPFS_PINNING_URL"],
        message: "IPFS_PINNING_URL and IPFS_PINNING_TOKEN must be set together (or neither: metadata is served, not pinned)",
      });
    }
    if (env.CHAIN && env.CHAIN !== "local") {
      const rpcVar = CHAINS[env.CHAIN].rpcVar;
      if (!env[rpcVar]) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [rpcVar],
          message: `is required when CHAIN=${env.CHAIN}`,
        });
      }
    }
  })
  .transform((env) => {
    const chain: ChainKey =
      env.CHAIN ??
      (env.RPC_URL_POLYGON ? "polygon" : env.RPC_URL_AMOY ? "amoy" : env.RPC_URL_ETHEREUM ? "ethereum" : env.RPC_URL_SEPOLIA ? "sepolia" : "local");
    return { ...env, chain };
  });

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/**
 * Parses `source` (process.env by default); throws EnvError naming each wrong variable. `app: false`
 * (the deploy script) skips what only the app server needs.
 */
export function parseEnv(source: Record<string, string | undefined> = process.env, { app = true } = {}): Env {
  const result = envSchema.safeParse(source);
  if (result.success && app && result.data.chain !== "local") {
    // Embedded defaults generate these under DATA_DIR; on a real chain they must come from the environment.
    const missing = (["WALLET_KEYS", "SESSION_SECRET", "MINTER_PRIVATE_KEY"] as const).filter((name) => !result.data[name]);
    if (missing.length) {
      throw new EnvError(missing.map((name) => `${name}: is required on a real chain (only the local chain generates it under DATA_DIR)`));
    }
  }
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.length ? String(issue.path[0]) : "(environment)";
      const value = source[name];
      // Lists (comma-separated RPC URLs) say which entry is wrong.
      const expected = issue.path.length > 1 ? `entry ${Number(issue.path[1]) + 1} ${issue.message}` : issue.message;
      const shown = value === undefined ? "" : ` (got ${name.match(/KEY|SECRET|URL|TOKEN/) ? "a value" : JSON.stringify(value)})`;
      return `${name}: ${expected}${shown}`;
    });
    throw new EnvError(problems);
  }
  return result.data;
}

const GLOBAL_KEY = Symbol.for("ticketchain.env");
type GlobalWithEnv = typeof globalThis & { [GLOBAL_KEY]?: Env };

/** The validated environment of this process (parsed on first use). */
export function env(): Env {
  const g = globalThis as GlobalWithEnv;
  return (g[GLOBAL_KEY] ??= parseEnv());
}

/** What the browser may know (window.ENV): no secrets. */
export function publicEnv(e: Env = env()) {
  return {
    chainId: CHAINS[e.chain].id,
    chainName: CHAINS[e.chain].name,
    localRpcUrl: e.chain === "local" ? `http://${e.LOCAL_CHAIN_HOST}:${e.LOCAL_CHAIN_PORT}` : null,
    walletConnectProjectId: e.WALLETCONNECT_PROJECT_ID ?? null,
    testModePayments: !e.STRIPE_SECRET_KEY,
  };
}
export type PublicEnv = ReturnType<typeof publicEnv>;
