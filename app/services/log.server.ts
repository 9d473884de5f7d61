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
const REQUESTS_KEY = Symbol.for("ticketchain.request-logger");
const STDOUT_KEY = Symbol.for("ticketchain.log-stdout");
type GlobalWithLogger = typeof globalThis & { [GLOBAL_KEY]?: Logger; [REQUESTS_KEY]?: Logger; [STDOUT_KEY]?: pino.DestinationStream };

const options = (redact: boolean): pino.LoggerOptions => ({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "ticketchain" },
  ...(redact ? { redact: { paths: REDACT, censor: "[redacted]" } } : {}),
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});

/**
 * stdout written asynchronously and in blocks (pino's sonic-boom): lines wait in memory until 4 KiB have
 * gathered or 100 ms have passed, then go out in one write. A line per request written on its own costs a
 * system call and a wake-up of whatever reads stdout (at the door's rates that was a tenth of a scan's
 * CPU, bench/door.ts); batched, a busy server makes a write per few dozen requests. pino flushes what is
 * left when the process exits; a process killed with -9 loses at most the last 100 ms of lines. One
 * stream for the process, shared by its loggers.
 */
export const LOG_FLUSH_MS = 100;
const LOG_BLOCK_BYTES = 4096;

function stdout(): pino.DestinationStream {
  const g = globalThis as GlobalWithLogger;
  return (g[STDOUT_KEY] ??= pino.destination({ dest: 1, sync: false, minLength: LOG_BLOCK_BYTES, periodicFlush: LOG_FLUSH_MS }));
}

export function createLogger(destination?: pino.DestinationStream): Logger {
  return pino(options(true), destination ?? stdout());
}

/**
 * The one-line-per-request log (server/http-observability.ts): its fields are fixed (request id, method,
 * route pattern, status, ms), none of them secret, so it skips the redaction pass every other line gets.
 */
export function createRequestLogger(destination?: pino.DestinationStream): Logger {
  return pino(options(false), destination ?? stdout());
}

export function logger(): Logger {
  const g = globalThis as GlobalWithLogger;
  return (g[GLOBAL_KEY] ??= createLogger());
}

export function requestLogger(): Logger {
  const g = globalThis as GlobalWithLogger;
  return (g[REQUESTS_KEY] ??= createRequestLogger());
}
