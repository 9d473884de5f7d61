import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

/**
 * Browser tests: the built app on embedded defaults, driven by playwright-core + Chromium; and the fault
 * and load tests (test/faults) and the bad-input sweep (test/bad-input), which also need the production build.
 */
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["test/e2e/**/*.e2e.test.ts", "test/faults/**/*.test.ts", "test/bad-input/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
