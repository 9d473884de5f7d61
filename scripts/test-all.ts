/**
 * `npm test`: every suite, one after the other, on the embedded defaults (or on DATABASE_URL / REDIS_URL
 * when set). All suites run even when one fails; the exit code is non-zero if any failed.
 *   1. lint       — solhint over contracts/ (.solhint.json), zero warnings allowed
 *   2. contracts  — every contract test (Hardhat + viem, mocha) under solidity-coverage: 100 % lines,
 *                   ≥ 95 % branches; a failing test fails the suite
 *   3. gas        — the tests that assert gas, on the uninstrumented build (instrumentation changes gas):
 *                   test/contracts/gas.test.ts and the fractions file's gas ceilings
 *   4. types      — tsc --noEmit over app, server, db, scripts and tests
 *   5. unit       — Vitest: app services, database, cache, chain journal, start-up, deploy
 *   6. browser    — production build, then playwright-core + Chromium against the running app
 */
import { spawnSync } from "node:child_process";

const suites: Array<{ name: string; command: string; args: string[] }> = [
  { name: "lint (solhint)", command: "npm", args: ["run", "-s", "lint"] },
  { name: "contracts under coverage (hardhat + solidity-coverage)", command: "npm", args: ["run", "-s", "coverage"] },
  // Every contract test already ran above; these assert gas, which only the real build measures.
  { name: "contract gas (hardhat, uninstrumented)", command: "npx", args: ["hardhat", "test", "test/contracts/gas.test.ts", "test/contracts/FractionalTicketOwnership.test.ts"] },
  { name: "types (tsc)", command: "npx", args: ["tsc", "--noEmit"] },
  { name: "unit and integration (vitest)", command: "npx", args: ["vitest", "run"] },
  { name: "browser (playwright-core + chromium)", command: "npm", args: ["run", "test:e2e"] },
];

const only = process.argv.slice(2);
const results: Array<{ name: string; ok: boolean; seconds: number }> = [];
for (const suite of suites) {
  if (only.length && !only.some((o) => suite.name.startsWith(o))) continue;
  console.log(`\n━━━ ${suite.name} ━━━\n`);
  const started = Date.now();
  const run = spawnSync(suite.command, suite.args, { stdio: "inherit", env: process.env });
  results.push({ name: suite.name, ok: run.status === 0, seconds: (Date.now() - started) / 1000 });
}

console.log("\n━━━ summary ━━━");
for (const r of results) console.log(`${r.ok ? "PASS" : "FAIL"}  ${r.name}  (${r.seconds.toFixed(0)} s)`);
console.log(
  `database: ${process.env.DATABASE_URL ? "PostgreSQL (DATABASE_URL) and PGlite" : "PGlite"}; cache: ${process.env.REDIS_URL ? "Redis (REDIS_URL) and in-process" : "in-process"}`,
);
process.exit(results.every((r) => r.ok) && results.length > 0 ? 0 : 1);
