import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDbHandle } from "../../db/client.server";
import { freePort } from "../../test/support/processes";
import { closeCache } from "./cache.server";

/**
 * /healthz with the chain down: 503 and the failing parts named. (The healthy answer is covered by
 * the browser test, which runs the whole product.)
 */
describe("GET /healthz", () => {
  beforeAll(async () => {
    // A port with nothing listening: the chain is "down".
    process.env.LOCAL_CHAIN_PORT = String(await freePort());
    process.env.DATA_DIR = "/nonexistent-ticketchain-data";
    await getDbHandle({ pgliteDir: "memory://" });
  });
  afterAll(async () => {
    await closeDb();
    await closeCache();
  });

  it("answers 503 naming the chain and the contracts when the RPC is down", async () => {
    const { loader } = await import("../routes/healthz");
    const response = await loader();
    expect(response.status).toBe(503);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(body.status).toBe("degraded");
    expect(body.failing).toEqual(["chain", "contracts", "indexer"]);
    expect(body.indexer.ok).toBe(false);
    expect(body.database).toEqual({ ok: true, kind: "pglite" });
    expect(body.chain.ok).toBe(false);
    expect(body.chain.expectedChainId).toBe(31337);
    expect(body.contracts.error).toBe("no deployment recorded for chain 31337");
    expect(body.cache).toEqual({ ok: true, kind: process.env.REDIS_URL ? "redis" : "memory" });
  });

  it("names the database when it is closed", async () => {
    await closeDb();
    const { loader } = await import("../routes/healthz");
    const body = await (await loader()).json();
    expect(body.failing).toContain("database");
    expect(body.database.ok).toBe(false);
    expect(body.database.error).toMatch(/database not initialised/);
  });
});
