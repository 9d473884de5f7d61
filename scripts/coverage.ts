/**
 * `npm run coverage`: runs the contract tests under solidity-coverage and enforces the project's floor:
 * 100 % of lines and at least 95 % of branches in every contract under contracts/ (test helpers,
 * benchmark baselines and interfaces excluded, see .solcover.cjs). Prints one row per contract.
 * Gas-measuring tests (test/contracts/gas*.test.ts) are left out: instrumentation changes gas.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const LINES_FLOOR = 100;
const BRANCHES_FLOOR = 95;

const testFiles = readdirSync("test/contracts")
  .filter((f) => f.endsWith(".test.ts") && !f.startsWith("gas"))
  .map((f) => path.join("test/contracts", f));

const run = spawnSync(
  "npx",
  ["hardhat", "coverage", "--solcoverjs", "./.solcover.cjs", "--testfiles", testFiles.join(" ")],
  { stdio: ["inherit", "pipe", "inherit"], env: { ...process.env, SOLIDITY_COVERAGE: "true" }, encoding: "utf8" },
);
// Keep the mocha summary lines, not the whole spec listing (all of it is printed when a test fails).
const out = run.stdout ?? "";
const summary = out.split("\n").filter((l) => /passing|failing|pending|^\s+\d+\) /.test(l));
console.log(summary.join("\n"));
if (run.status !== 0) {
  console.log(out);
  console.error("coverage: the instrumented test run failed");
  process.exit(1);
}

type Totals = Record<"lines" | "branches" | "statements" | "functions", { total: number; covered: number; pct: number }>;
const report = JSON.parse(readFileSync("coverage/coverage-summary.json", "utf8")) as Record<string, Totals>;
const rows: Array<Record<string, string | number>> = [];
let ok = true;
for (const [file, totals] of Object.entries(report)) {
  if (file === "total") continue;
  const name = path.relative(process.cwd(), file);
  const lines = totals.lines.total === 0 ? 100 : totals.lines.pct;
  const branches = totals.branches.total === 0 ? 100 : totals.branches.pct;
  const pass = lines >= LINES_FLOOR && branches >= BRANCHES_FLOOR;
  ok &&= pass;
  rows.push({
    contract: name,
    lines: `${lines}% (${totals.lines.covered}/${totals.lines.total})`,
    branches: `${branches}% (${totals.branches.covered}/${totals.branches.total})`,
    functions: `${totals.functions.pct}%`,
    "floor met": pass ? "yes" : "NO",
  });
}
console.table(rows);
if (!ok) {
  console.error(`coverage: below the floor (lines ${LINES_FLOOR} %, branches ${BRANCHES_FLOOR} %) — see coverage/index.html`);
  process.exit(1);
}
console.log(`coverage: every contract at ${LINES_FLOOR} % lines and ≥ ${BRANCHES_FLOOR} % branches`);
