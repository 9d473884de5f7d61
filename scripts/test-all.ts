/**
 * `npm test`: every suite, one after the other, on the embedded defaults (or on DATABASE_URL / REDIS_URL
 * when set). All suites run even when one fails; the exit code is non-zero if any failed.
 *   1. lint       — solhint over contracts/ (.solhint.json), zero warnings allowed
 *   2. contracts  — every contract test (Hardhat + viem, mocha) under solidity-coverage: 100 % lines,
 *                   ≥ 95 % branches; a failing test fails the suite
 *   3. gas        — the tests that assert gas, on the uninstrumented build (instrumentation changes gas):
 *                   test/contracts/gas.test.ts and the fractions file's gas ceilings
 *   4. types      — tsc --noEmit over app, server, db, scripts and tests (it needs the compiled contracts'
 *                   typings: started right after `hardhat compile`, it runs beside the contract suites on
 *                   the second core and its output is printed in its place)
 *   5. unit       — Vitest: app services, database, cache, chain journal, start-up, deploy
 *   6. browser    — production build, then playwright-core + Chromium against the running app
 */
import { spawn, spawnSync } from "node:child_process";

type Suite = { name: string; command: string; args: string[]; background?: boolean };
const suites: Suite[] = [
  { name: "lint (solhint)", command: "npm", args: ["run", "-s", "lint"] },
  { name: "compile (hardhat)", command: "npx", args: ["hardhat", "compile", "--quiet"] },
  { name: "contracts under coverage (hardhat + solidity-coverage)", command: "npm", args: ["run", "-s", "coverage"] },
  // Every contract test already ran above; these assert gas, which only the real build measures.
  { name: "contract gas (hardhat, uninstrumented)", command: "npx", args: ["hardhat", "test", "test/contracts/gas.test.ts", "test/contracts/FractionalTicketOwnership.test.ts"] },
  { name: "types (tsc)", command: "npx", args: ["tsc", "--noEmit"], background: true },
  { name: "unit and integration (vitest)", command: "npx", args: ["vitest", "run"] },
  { name: "browser (playwright-core + chromium)", command: "npm", args: ["run", "test:e2e"] },
];

const only = process.argv.slice(2);
const selected = suites.filter((suite) => !only.length || only.some((o) => suite.name.startsWith(o)));
const results: Array<{ name: string; ok: boolean; seconds: number }> = [];

/** A suite run beside the others: output kept and printed in its place, status awaited there. */
function startInBackground(suite: Suite) {
  const started = Date.now();
  const child = spawn(suite.command, suite.args, { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const done = new Promise<{ ok: boolean; seconds: number; output: string }>((resolve) =>
    child.on("close", (code) => resolve({ ok: code === 0, seconds: (Date.now() - started) / 1000, output })),
  );
  return done;
}

const background = new Map<Suite, ReturnType<typeof startInBackground>>();
const compiled = selected.some((suite) => suite.name.startsWith("compile"));
for (const suite of selected) {
  // Background suites start once the contracts are compiled (or at once when compile is not selected).
  if (!compiled) for (const b of selected) if (b.background && !background.has(b)) background.set(b, startInBackground(b));
  console.log(`\n━━━ ${suite.name} ━━━\n`);
  if (suite.background) {
    const result = await (background.get(suite) ?? startInBackground(suite));
    process.stdout.write(result.output);
    console.log(`(ran beside the suites above: ${result.seconds.toFixed(0)} s)`);
    results.push({ name: suite.name, ok: result.ok, seconds: result.seconds });
    continue;
  }
  const started = Date.now();
  const run = spawnSync(suite.command, suite.args, { stdio: "inherit", env: process.env });
  results.push({ name: suite.name, ok: run.status === 0, seconds: (Date.now() - started) / 1000 });
  if (suite.name.startsWith("compile") && run.status === 0) {
    for (const b of selected) if (b.background && !background.has(b)) background.set(b, startInBackground(b));
  }
}

console.log("\n━━━ summary ━━━");
for (const r of results) console.log(`${r.ok ? "PASS" : "FAIL"}  ${r.name}  (${r.seconds.toFixed(0)} s)`);
console.log(
  `database: ${process.env.DATABASE_URL ? "PostgreSQL (DATABASE_URL) and PGlite" : "PGlite"}; cache: ${process.env.REDIS_URL ? "Redis (REDIS_URL) and in-process" : "in-process"}`,
);
process.exit(results.every((r) => r.ok) && results.length > 0 ? 0 : 1);
