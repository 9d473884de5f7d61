import { request as httpRequest } from "node:http";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stripeDoubleEvents } from "../../db/schema";
import { openDb } from "../../db/client.server";
import { faultBackends, postgresDatabase } from "../support/databases";
import { DEMO, FaultApp, pool, sleep } from "../support/fault-app";

/**
 * Fault and load tests of the whole product (`server/main.ts`, production build, embedded chain and Stripe
 * double) on PGlite (and on a fresh real PostgreSQL database with FAULTS_DATABASE=postgres). The app reaches
 * its chain through a loopback TCP proxy the test cuts, as a stopped node would. Money invariants are checked
 * at the end against the database and the chain together. PostgreSQL's own outage: postgres-outage.test.ts.
 */

describe.each(faultBackends())("faults and load (database: %s)", (kind, createDatabase) => {
  let f: FaultApp;

  beforeAll(async () => {
    f = new FaultApp(kind, await createDatabase());
    await f.setUp();
  });

  afterAll(async () => {
    await f?.tearDown();
  });

  // The chain RPC goes away for 30 s; meanwhile fans keep buying, and 500 of them race for the last 10 VIP seats.
  let outageStarted = 0;
  const waitingOrders: string[] = [];
  const vipOrders: string[] = [];

  it("keeps card orders waiting while the chain RPC is unreachable and shows the outage on /healthz (503 naming the chain)", async () => {
    await f.rpc.cut();
    outageStarted = Date.now();
    waitingOrders.push(...(await Promise.all(Array.from({ length: 5 }, (_, i) => f.buy(f.tiers.ga, `outage${i}@example.com`)))));
    const health = await fetch(`${f.base()}/healthz`);
    expect(health.status).toBe(503);
    const report = (await health.json()) as { failing: string[]; chain: { ok: boolean; error?: string }; database: { ok: boolean } };
    expect(report.failing).toContain("chain");
    expect(report.chain.ok).toBe(false);
    expect(report.database.ok).toBe(true);
    // Pages that need no chain keep working; the orders wait (authorized, not charged).
    expect((await fetch(`${f.base()}/events/${DEMO}`)).status).toBe(200);
    expect((await Promise.all(waitingOrders.map(f.order))).map((o) => o.status)).toEqual(Array(5).fill("pending"));
  }, 300_000);

  it("sells the last 10 seats to exactly 10 of 500 concurrent buyers over HTTP (RPC still down); the others get 409", async () => {
    // VIP has 50 seats: 40 go first, then 500 fans race for the last 10.
    vipOrders.push(...(await Promise.all(Array.from({ length: 4 }, (_, i) => f.buy(f.tiers.vip, `early${i}@example.com`, 10)))));
    const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => f.checkout(f.tiers.vip, `racer${i}@example.com`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(490);
    const refusal = (await answers.find((a) => a.status === 409)!.json()) as { code: string; error: string };
    expect(refusal).toMatchObject({ code: "sold_out", error: expect.stringMatching(/^Sold out/) });
    const winners = answers.map((a, i) => [a, i] as const).filter(([a]) => a.status === 303);
    vipOrders.push(...(await Promise.all(winners.map(([a, i]) => f.pay(a.headers.get("location")!, `racer${i}@example.com`)))));
    // One more fan: sold out, nothing reserved.
    expect((await f.checkout(f.tiers.vip, "late@example.com")).status).toBe(409);
    expect(await f.statusesOnceAll(vipOrders, "pending")).toEqual(Array(vipOrders.length).fill("pending"));
  }, 300_000);

  it("mints every waiting order once the RPC is back after 30 s, charges them only then, and /healthz recovers", async () => {
    await sleep(Math.max(0, 30_000 - (Date.now() - outageStarted)));
    expect((await Promise.all(waitingOrders.map(f.order))).map((o) => o.status)).toEqual(Array(5).fill("pending"));
    await f.rpc.restore();
    await f.allPaid(waitingOrders, 90_000);
    const vip = await f.allPaid(vipOrders, 90_000);
    const tokens = [...vip.values()].flatMap((o) => o.tokenIds);
    expect(tokens).toHaveLength(50);
    expect(new Set(tokens).size).toBe(50);
    const deadline = Date.now() + 20_000;
    let healthy = await fetch(`${f.base()}/healthz`);
    while (healthy.status !== 200 && Date.now() < deadline) (await sleep(500), (healthy = await fetch(`${f.base()}/healthz`)));
    expect(healthy.status, JSON.stringify(await healthy.clone().json())).toBe(200);
  }, 300_000);

  it("kill -9 in the middle of 200 payments and webhooks: after a restart every paid order is minted exactly once, unacknowledged webhooks are delivered again", async () => {
    const emails = Array.from({ length: 200 }, (_, i) => `crowd${i}@example.com`);
    const sessions = await pool(emails, 20, async (email) => {
      const response = await f.checkout(f.tiers.ga, email);
      expect(response.status).toBe(303);
      return response.headers.get("location")!;
    });
    // Pay all 200 (each payment makes the double send a signed checkout.session.completed to the app);
    // the app is killed with SIGKILL once about half have been answered.
    const orderIds = new Array<string | null>(200).fill(null);
    let answered = 0;
    let killed = false;
    const paying = pool(sessions, 25, async (url, i) => {
      if (killed) return;
      try {
        orderIds[i] = await f.pay(url, emails[i]!);
        if (++answered === 100) {
          killed = true;
          process.kill(f.app.child.pid!, "SIGKILL");
        }
      } catch {
        /* the app died under this request */
      }
    });
    await paying;
    await f.app.exited;
    expect(f.app.child.signalCode).toBe("SIGKILL");
    await f.app.stop();

    // What Stripe still has to deliver: the events the app never acknowledged with a 2xx.
    const handle = await f.openDatabase();
    const unacknowledged = await handle.db.select({ id: stripeDoubleEvents.id, payload: stripeDoubleEvents.payload }).from(stripeDoubleEvents).where(sql`${stripeDoubleEvents.deliveredAt} is null`);
    await handle.close();

    f.app = await f.start();
    // Stripe retries every unacknowledged delivery (same event id, signed again), some of them twice.
    const redelivered = await pool([...unacknowledged, ...unacknowledged.slice(0, 10)], 10, async (event) => (await f.signedWebhook(JSON.stringify(event.payload))).status);
    expect(redelivered.every((s) => s === 200)).toBe(true);
    // Fans whose payment page failed when the server died pay again.
    for (const [i, url] of sessions.entries()) if (!orderIds[i]) orderIds[i] = await f.pay(url, emails[i]!);
    const paid = await f.allPaid(orderIds as string[], 120_000);
    const tokens = [...paid.values()].flatMap((o) => o.tokenIds);
    expect(tokens).toHaveLength(200);
    expect(new Set(tokens).size).toBe(200);
  }, 400_000);

  it("SIGTERM while a mint batch is being sent: new requests are refused, the request and the batch in flight finish, exit 0; after a restart nothing is minted twice or lost", async () => {
    const held = f.rpc.holdWhen(/eth_sendRawTransaction|eth_sendTransaction/);
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => f.buy(f.tiers.ga, `graceful${i}@example.com`)));
    await held; // the worker is sending a mintBatch: the node has not received it yet

    // A webhook whose body is still arriving when the signal comes.
    const payload = JSON.stringify({ id: `evt_inflight_${kind}`, object: "event", type: "payment_intent.created", data: { object: { id: "pi_inflight", object: "payment_intent" } } });
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${f.base()}/webhooks/stripe`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "stripe-signature": f.signature(payload) },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (d) => (body += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.write(payload.slice(0, 20));
      setTimeout(() => req.end(payload.slice(20)), 1_500);
    });
    await sleep(300);
    f.app.child.kill("SIGTERM");
    await sleep(500);
    // No new connections.
    const refused = await new Promise<string>((resolve) => {
      const req = httpRequest(`${f.base()}/healthz`, { agent: false }, (res) => resolve(`HTTP ${res.statusCode}`));
      req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end();
    });
    expect(refused).toBe("ECONNREFUSED");
    expect(await inFlight).toMatchObject({ status: 200, body: expect.stringContaining('"received":true') });
    await sleep(500);
    f.rpc.release();
    const code = await f.app.exited;
    expect(code, f.app.output().slice(-3000)).toBe(0);
    expect(f.app.output()).toMatch(/batch [0-9a-f-]{36} confirmed/);
    await f.app.stop();

    f.app = await f.start();
    await f.allPaid(ids, 60_000);
  }, 400_000);

  it("after everything: every captured payment has its ticket on chain, minted once; no authorization is left hanging; seats add up", async () => {
    await f.app.stop("SIGTERM");
    await f.checkMoneyInvariants({ paid: 4 + 10 + 200 + 5 + 5, vipSold: 50 });
  }, 300_000);
});

// PostgreSQL's own outage needs a real server whose connections can be cut (PGlite runs inside the app):
// registered whenever DATABASE_URL is set, as in CI, on a throwaway database of that server.
const postgresUrl = process.env.DATABASE_URL;
if (postgresUrl) {
  describe("PostgreSQL outage (real PostgreSQL behind a TCP proxy)", () => {
    let f: FaultApp;
    const missing = `/orders/00000000-0000-4000-8000-000000000000`;
    const paidOrders: string[] = [];

    beforeAll(async () => {
      f = new FaultApp("postgres", await postgresDatabase(postgresUrl));
      await f.setUp();
    });

    afterAll(async () => {
      await f?.tearDown();
    });

    it("answers 503 while PostgreSQL is unreachable and recovers without a restart: pages, webhooks, the mint worker and the queue", async () => {
      paidOrders.push(await f.buy(f.tiers.ga, "before-db@example.com"));
      await f.allPaid(paidOrders, 60_000);

      await f.pg!.cut();
      const page = await fetch(`${f.base()}${missing}`);
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toBe("5");
      expect([200, 503]).toContain((await fetch(`${f.base()}/events/${DEMO}`)).status); // cached or 503, never 500
      expect((await fetch(`${f.base()}${missing}.data`)).status).toBe(503);
      expect((await f.checkout(f.tiers.ga, "while-down@example.com")).status).toBe(503);
      const health = await fetch(`${f.base()}/healthz`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { failing: string[] }).failing).toContain("database");
      await sleep(3_000);
      await f.pg!.restore();

      // Back within a few seconds (reconnect backoff at most 2 s), without a restart.
      const deadline = Date.now() + 15_000;
      let probe = await fetch(`${f.base()}${missing}`);
      while (probe.status === 503 && Date.now() < deadline) (await sleep(250), (probe = await fetch(`${f.base()}${missing}`)));
      expect(probe.status).toBe(404);
      expect((await fetch(`${f.base()}/events/${DEMO}`)).status).toBe(200);
      const after = await Promise.all(Array.from({ length: 3 }, (_, i) => f.buy(f.tiers.ga, `after-db${i}@example.com`)));
      paidOrders.push(...after);
      await f.allPaid(after, 60_000);
    }, 300_000);

    it("reconnects after PostgreSQL terminates the app's connections (pg_terminate_backend), and nothing is lost or doubled", async () => {
      const admin = await openDb({ databaseUrl: f.database.databaseUrl, pgliteDir: "memory://" });
      await admin.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
      await admin.close();
      // The first queries on the killed connections may fail (503, nothing written); it reconnects by itself.
      const deadline = Date.now() + 15_000;
      let answered = 0;
      while (answered < 3 && Date.now() < deadline) {
        const probe = await fetch(`${f.base()}${missing}`);
        expect([404, 503]).toContain(probe.status);
        answered = probe.status === 404 ? answered + 1 : 0;
        await sleep(100);
      }
      expect(answered).toBe(3);
      const again = await f.buy(f.tiers.ga, "after-terminate@example.com");
      paidOrders.push(again);
      await f.allPaid([again], 60_000);
      expect((await fetch(`${f.base()}/healthz`)).status).toBe(200);
      await f.app.stop("SIGTERM");
      await f.checkMoneyInvariants({ paid: paidOrders.length, vipSold: 0 });
    }, 300_000);
  });
}
