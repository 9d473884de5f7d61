import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

/**
 * Browser tests: the built app on embedded defaults, driven by playwright-core + Chromium; and the fault
 * and load tests (test/faults), which also need the production build of the whole app.
 */
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["test/e2e/**/*.e2e.test.ts", "test/faults/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
