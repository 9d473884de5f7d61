import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startScript } from "./processes";

// A child that says it is ready, then writes a line a second later and waits to be stopped.
const dir = mkdtempSync(path.join(tmpdir(), "ticketchain-processes-"));
const script = path.join(dir, "child.mjs");
writeFileSync(
  script,
  `console.log("child-ready");
setTimeout(() => console.log("after-ready"), 300);
setInterval(() => {}, 1000);
process.on("SIGINT", () => process.exit(0));
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const afterReady = async (started: Awaited<ReturnType<typeof startScript>>) => {
  // Long enough for the child's second line to have been written and read.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const output = started.output();
  await started.stop();
  return output;
};

describe("startScript output", () => {
  it("keeps everything the child writes by default", async () => {
    const started = await startScript(script, { env: {}, ready: /child-ready/ });
    const output = await afterReady(started);
    expect(output).toContain("child-ready");
    expect(output).toContain("after-ready");
  });

  it("with keepOutput: false, reads and drops what comes after ready (a bench's request log)", async () => {
    const started = await startScript(script, { env: {}, ready: /child-ready/, keepOutput: false });
    const output = await afterReady(started);
    expect(output).toContain("child-ready");
    expect(output).not.toContain("after-ready");
  });
});
