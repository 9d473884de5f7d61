import { expect, it } from "vitest";
import { findChromium } from "./chromium";

it("fails with install instructions when no Chromium exists (the browser suite never skips)", async () => {
  await expect(findChromium({ candidates: ["/nonexistent/chromium"], playwright: false })).rejects.toThrow(
    /No Chromium found for the browser tests[\s\S]*apt-get install -y chromium[\s\S]*npx playwright install chromium[\s\S]*CHROME_PATH/,
  );
});

it("takes CHROME_PATH-style candidates in order", async () => {
  await expect(findChromium({ candidates: ["/nonexistent/chromium", process.execPath], playwright: false })).resolves.toBe(process.execPath);
});
