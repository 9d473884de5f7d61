import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["app/**/*.test.{ts,tsx}", "db/**/*.test.ts", "server/**/*.test.ts", "scripts/**/*.test.ts", "test/support/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two files at a time on 2 cores: most of their time is spent waiting on the chain processes and
    // databases they start (each on its own free port and throwaway database), not on the CPU.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
