import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ABI_FILE, renderAbiModule } from "./export-abi";

it("the committed app/contracts/abi.ts matches the compiled contracts (run `npm run build` to refresh)", () => {
  expect(readFileSync(ABI_FILE, "utf8")).toBe(renderAbiModule());
});
