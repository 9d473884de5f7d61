import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env, type Env } from "~/env.server";

/**
 * Server secrets: the key-encryption keys of embedded wallets (WALLET_KEYS) and the session signing
 * secret (SESSION_SECRET). On a real chain both must come from the environment (env.server.ts refuses to
 * start otherwise). On the embedded defaults (local chain) they are generated once into
 * DATA_DIR/secrets/ (mode 600), so `npm start` needs no configuration and restarts keep sessions and
 * wallets readable. Never logged, never sent to the browser.
 */

export interface Kek {
  id: string;
  key: Buffer;
}

export interface Secrets {
  /** newest first: keys[0] seals new data keys; the others still open older ones */
  keks: Kek[];
  sessionSecret: Uint8Array;
}

function parseKeks(entries: string[]): Kek[] {
  return entries.map((entry) => {
    const [id, b64] = entry.split(":");
    return { id: id!, key: Buffer.from(b64!, "base64") };
  });
}

function generatedSecret(dataDir: string, name: string, make: () => string): string {
  const dir = path.resolve(dataDir, "secrets");
  const file = path.join(dir, name);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return value;
}

export function loadSecrets(e: Env = env()): Secrets {
  const keks = e.WALLET_KEYS
    ? parseKeks(e.WALLET_KEYS)
    : parseKeks([generatedSecret(e.DATA_DIR, "wallet-keys", () => `local1:${randomBytes(32).toString("base64")}`)]);
  const session = e.SESSION_SECRET ?? generatedSecret(e.DATA_DIR, "session-secret", () => randomBytes(48).toString("base64"));
  return { keks, sessionSecret: new TextEncoder().encode(session) };
}

const GLOBAL_KEY = Symbol.for("ticketchain.secrets");
type GlobalWithSecrets = typeof globalThis & { [GLOBAL_KEY]?: Secrets };

/** The secrets of this process (loaded on first use). */
export function secrets(): Secrets {
  const g = globalThis as GlobalWithSecrets;
  return (g[GLOBAL_KEY] ??= loadSecrets());
}

/** Tests and key rotation: replace the process's secrets. */
export function setSecrets(value: Secrets | undefined): void {
  const g = globalThis as GlobalWithSecrets;
  if (value) g[GLOBAL_KEY] = value;
  else delete g[GLOBAL_KEY];
}
