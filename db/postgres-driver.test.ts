import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresDatabase, type TestDatabase } from "../test/support/databases";

/**
 * postgres.js 3.4.9 when PostgreSQL ends a connection under it (pg_terminate_backend, a failover, a
 * proxy dropping it), the cases patched in patches/postgres+3.4.9.patch (upstream
 * porsager/postgres#1154, #1208, unfixed in 3.4.9). Unpatched, the first two throw a TypeError from a
 * setImmediate callback, which takes the whole app down (seen in CI's PostgreSQL outage test), and the
 * third fails the next query with the dead backend's error. Needs a real server: registered whenever
 * DATABASE_URL is set, as in CI.
 */
const serverUrl = process.env.DATABASE_URL;
if (serverUrl) {
  describe("postgres.js when the server terminates a connection", () => {
    let database: TestDatabase;
    let sql: postgres.Sql;
    let admin: postgres.Sql;
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);

    beforeAll(async () => {
      database = await postgresDatabase(serverUrl);
      sql = postgres(database.databaseUrl!, { max: 2, onnotice: () => {} });
      admin = postgres(database.databaseUrl!, { max: 1, onnotice: () => {} });
      process.on("uncaughtException", onCrash);
    });

    afterAll(async () => {
      process.off("uncaughtException", onCrash);
      await sql?.end({ timeout: 1 });
      await admin?.end({ timeout: 1 });
      await database?.drop();
    });

    const terminate = (pid: number) => admin`select pg_terminate_backend(${pid})`;
    const settled = (query: Promise<unknown>) =>
      Promise.race([
        query.then(
          (value) => ({ value }),
          (error: { code?: string }) => ({ error: error.code }),
        ),
        new Promise((resolve) => setTimeout(() => resolve("hung"), 5_000)),
      ]);

    it("a transaction whose backend dies mid-query rejects with CONNECTION_CLOSED (its ROLLBACK does not crash the process)", async () => {
      let pid: number | null = null;
      const transaction = sql.begin(async (tx) => {
        const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        pid = row!.pid;
        await tx`select pg_sleep(3)`;
      });
      while (pid === null) await new Promise((resolve) => setTimeout(resolve, 20));
      await terminate(pid);
      expect(await settled(transaction)).toEqual({ error: "CONNECTION_CLOSED" });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(crashes).toEqual([]);
    });

    it("a reserved connection whose backend died answers CONNECTION_CLOSED, and its release does not put the dead connection back in the pool", async () => {
      const reserved = await sql.reserve();
      const [{ pid }] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await terminate(pid);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await settled(reserved`select 1 as one`)).toEqual({ error: "CONNECTION_CLOSED" });
      reserved.release();
      // The pool reconnects: the next queries answer (none fails with the dead backend's 57P01).
      for (let i = 0; i < 4; i++) expect(await settled(sql<{ one: number }[]>`select 1 as one`.then((rows) => rows[0]))).toEqual({ value: { one: 1 } });
      expect(crashes).toEqual([]);
    });

    it("a reservation waiting for a connection is served after that connection's backend dies (not lost to the reconnect)", async () => {
      const single = postgres(database.databaseUrl!, { max: 1, onnotice: () => {}, backoff: () => 0.05 });
      try {
        const [{ pid }] = await single<{ pid: number }[]>`select pg_backend_pid() as pid`;
        const busy = single`select pg_sleep(5)`.catch(() => "closed");
        await new Promise((resolve) => setTimeout(resolve, 100));
        const reservation = single.reserve(); // waits: the only connection is busy
        await terminate(pid);
        const reserved = (await settled(reservation)) as { value?: postgres.ReservedSql };
        expect(reserved.value, "the reservation must get the reconnected connection").toBeDefined();
        expect(await settled(reserved.value!<{ one: number }[]>`select 1 as one`.then((rows) => rows[0]))).toEqual({ value: { one: 1 } });
        reserved.value!.release();
        expect(await busy).toBe("closed");
        expect(await settled(single<{ one: number }[]>`select 1 as one`.then((rows) => rows[0]))).toEqual({ value: { one: 1 } });
      } finally {
        await single.end({ timeout: 1 });
      }
      expect(crashes).toEqual([]);
    });
  });
}
