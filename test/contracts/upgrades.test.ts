import { expect } from "chai";
import { execFile } from "node:child_process";

/** Runs scripts/check-upgrades.ts (Hardhat compiled the contracts before the suite started). */
function checkUpgrades(...contracts: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/check-upgrades.ts", ...contracts],
      { encoding: "utf8", env: process.env },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** The lines the script printed for `contract`, from its PASS/FAIL line to the next one. */
function section(output: string, contract: string): string {
  const start = output.search(new RegExp(`^(PASS|FAIL)  ${contract.replace(/[.:/]/g, "\\$&")}$`, "m"));
  expect(start, `no result for ${contract} in:\n${output}`).to.be.greaterThan(-1);
  const rest = output.slice(start + 1);
  const next = rest.search(/^(PASS|FAIL)  /m);
  return output.slice(start, next === -1 ? undefined : start + 1 + next);
}

describe("upgrade safety (scripts/check-upgrades.ts, @openzeppelin/upgrades-core)", function () {
  this.timeout(120_000);
  let platform: { status: number; output: string };
  let mocks: { status: number; output: string };

  before(async function () {
    // Two runs of the script in parallel: the platform's list, and the test mocks.
    [platform, mocks] = await Promise.all([
      checkUpgrades(),
      checkUpgrades(
        "TicketFactoryV2",
        "PaymentEscrowV2",
        "UnsafeEscrowUpgrade",
        "EscrowLayoutBreak",
        "Marketplace404",
        "contracts/PaymentEscrow.sol:PaymentEscrow",
      ),
    ]);
  });

  it("passes the platform's four UUPS contracts and exits 0", function () {
    for (const name of ["TicketFactory", "PaymentEscrow", "Marketplace", "FractionalTicketOwnership"]) {
      expect(section(platform.output, name), name).to.match(/^PASS/);
    }
    expect(platform.output).to.contain("all 4 upgradeable contracts are upgrade-safe");
    expect(platform.status, platform.output).to.equal(0);
  });

  it("passes compatible upgrades checked against their @custom:oz-upgrades-from reference", function () {
    expect(section(mocks.output, "TicketFactoryV2")).to.match(/^PASS/).and.to.contain(
      "(upgrades from contracts/TicketFactory.sol:TicketFactory)",
    );
    expect(section(mocks.output, "PaymentEscrowV2")).to.match(/^PASS/).and.to.contain(
      "(upgrades from contracts/PaymentEscrow.sol:PaymentEscrow)",
    );
    expect(section(mocks.output, "contracts/PaymentEscrow.sol:PaymentEscrow")).to.match(/^PASS/);
  });

  it("fails a constructor and a delegatecall in an upgrade", function () {
    const unsafe = section(mocks.output, "UnsafeEscrowUpgrade");
    expect(unsafe).to.match(/^FAIL/);
    expect(unsafe).to.contain("Use of delegatecall is not allowed");
    expect(unsafe).to.contain("Contract `UnsafeEscrowUpgrade` has a constructor");
  });

  it("fails an incompatible ERC-7201 storage layout", function () {
    const broken = section(mocks.output, "EscrowLayoutBreak");
    expect(broken).to.match(/^FAIL/);
    expect(broken).to.contain("Deleted `proceeds`");
    expect(broken).to.contain("of incompatible type");
  });

  it("fails a listed contract that does not exist, and exits 1 when anything failed", function () {
    expect(section(mocks.output, "Marketplace404")).to.contain("Could not find contract Marketplace404");
    expect(mocks.output).to.contain("3 of 6 upgradeable contracts failed");
    expect(mocks.status).to.equal(1);
  });
});
