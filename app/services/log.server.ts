import pino, { type Logger } from "pino";

/**
 * Structured JSON logs (pino) on stdout, one line per event, with the request id where there is one.
 * Secrets are redacted by path (cookies, authorization, Stripe signatures, anything named like a key or
 * secret); code must still never put a private key into a log call. LOG_LEVEL sets the level
 * (default info; "silent" in tests that do not look at logs).
 */

const REDACT = [
  "req.headers.cookie",
  "req.headers.authorization",
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  "*.privateKey",
  "*.sealedKey",
  "*.wrappedDataKey",
  "*.secret",
  "*.password",
  "*.token",
];

const GLOBAL_KEY = Symbol.for("ticketchain.logger");
type GlobalWithLogger = typeof globalThis & { [GLOBAL_KEY]?: Logger };

/**
 * Without a destination: stdout written asynchronously (pino's sonic-boom with `sync: false`): lines logged
 * while a write is in flight go out together in the next one, so a busy server makes a write per batch, not
 * per request. pino flushes what is left when the process exits.
 */
export function createLogger(destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: process.env.LOG_LEVEL ?? "info",
      base: { service: "ticketchain" },
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export function logger(): Logger {
  const g = globalThis as GlobalWithLogger;
  return (g[GLOBAL_KEY] ??= createLogger());
}
