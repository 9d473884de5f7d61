/**
 * Upgrade-safety check of the UUPS singletons (docs/decisions/006-contract-architecture.md), run after
 * `hardhat compile`: `node --import tsx scripts/check-upgrades.ts [Contract …]`.
 *
 * For each contract in {UPGRADEABLE} (or the names given on the command line) it runs
 * @openzeppelin/upgrades-core's `validateUpgradeSafety` over the Hardhat build info (which carries the
 * storage layouts, see hardhat.config.ts): no constructor logic without `@custom:oz-upgrades-unsafe-allow`,
 * no selfdestruct / delegatecall, initializers, ERC-7201 namespaces, and — when the contract names its
 * predecessor with `@custom:oz-upgrades-from` — storage layout compatibility. Exits non-zero when any
 * contract fails or cannot be found.
 *
 * Hardhat compiles incrementally, so artifacts/build-info holds several build infos that contain the same
 * contract (upgrades-core then refuses: "Found multiple contracts with name …"). Each contract is therefore
 * validated against the one build info its artifact points to (`<Name>.dbg.json`), copied alone into a
 * temporary directory — no `hardhat clean` needed. A reference named with `@custom:oz-upgrades-from` is in
 * that same build info, since the new version imports the old one.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { validateUpgradeSafety } from "@openzeppelin/upgrades-core";

/** The UUPS contracts of the platform. */
export const UPGRADEABLE: readonly string[] = ["TicketFactory", "PaymentEscrow", "Marketplace", "FractionalTicketOwnership"];

export const ARTIFACTS_DIR = "artifacts";

export interface CheckResult {
  contract: string;
  ok: boolean;
  explanation: string;
}

/** Finds `<name>.dbg.json` under `artifactsDir/contracts` (name or fully qualified `path/File.sol:Name`). */
function debugFileOf(contract: string, artifactsDir: string): string {
  if (contract.includes(":")) {
    const [source, name] = contract.split(":");
    const file = path.join(artifactsDir, source, `${name}.dbg.json`);
    if (!existsSync(file)) throw new Error(`Could not find contract ${contract} (no ${file}); compile first`);
    return file;
  }
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === `${contract}.dbg.json`) found.push(full);
    }
  };
  walk(path.join(artifactsDir, "contracts"));
  if (found.length === 0) throw new Error(`Could not find contract ${contract} in ${artifactsDir}/contracts; compile first`);
  if (found.length > 1) throw new Error(`Contract name ${contract} is ambiguous (${found.join(", ")}): use its fully qualified name`);
  return found[0];
}

/** Validates each contract by name (or fully qualified name) against its own build info. */
export async function checkUpgrades(
  contracts: readonly string[] = UPGRADEABLE,
  artifactsDir: string = ARTIFACTS_DIR,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const contract of contracts) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "check-upgrades-"));
    try {
      const debugFile = debugFileOf(contract, artifactsDir);
      const { buildInfo } = JSON.parse(readFileSync(debugFile, "utf8")) as { buildInfo: string };
      const buildInfoFile = path.resolve(path.dirname(debugFile), buildInfo);
      copyFileSync(buildInfoFile, path.join(dir, path.basename(buildInfoFile)));
      const report = await validateUpgradeSafety(dir, contract, undefined, { requireReference: false });
      results.push({ contract, ok: report.ok, explanation: report.explain(false) });
    } catch (error) {
      results.push({ contract, ok: false, explanation: (error as Error).message });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

async function main() {
  const names = process.argv.slice(2);
  const results = await checkUpgrades(names.length ? names : UPGRADEABLE);
  for (const r of results) {
    console.log(`${r.ok ? "PASS" : "FAIL"}  ${r.contract}`);
    if (r.explanation) console.log(r.explanation.replace(/^/gm, "      "));
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(failed ? `\n${failed} of ${results.length} upgradeable contracts failed` : `\nall ${results.length} upgradeable contracts are upgrade-safe`);
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? "")) {
  await main();
}
