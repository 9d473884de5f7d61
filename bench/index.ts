/**
 * `npm run bench`: every benchmark in turn (gas, sale-day, HTTP, door, page weight), each in its own
 * process, each printing its table and rewriting its own section of BENCHMARKS.md. Arguments after `--`
 * go to every benchmark (e.g. `--no-write`). A benchmark that misses a goal exits 1; the others still run,
 * and this script exits 1 at the end if any did.
 */
import { spawn } from "node:child_process";

const BENCHES = ["gas", "sale-day", "http", "door", "page-weight"];
const extra = process.argv.slice(2);
const failed: string[] = [];
for (const name of BENCHES) {
  console.log(`\n=== bench/${name}.ts ===\n`);
  // http builds the app once; page-weight reuses that build.
  const args = name === "page-weight" && BENCHES.includes("http") ? [...extra, "--no-build"] : extra;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", `bench/${name}.ts`, ...args], { stdio: "inherit" });
    child.once("exit", (c) => resolve(c));
  });
  if (code !== 0) failed.push(`${name} (exit ${code})`);
}
console.log(failed.length ? `\nbenchmarks with a missed goal or an error: ${failed.join(", ")}` : "\nall benchmarks met their goals");
process.exit(failed.length ? 1 : 0);
