import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Prometheus metrics (prom-client), one registry per process on globalThis (the Remix build and the
 * server bootstrap share it). Served at GET /metrics. Gauges whose value lives elsewhere (queue depth,
 * indexer lag) are read at scrape time through `setCollector`.
 */

function build() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const collectors = new Map<string, () => Promise<number> | number>();
  const gauge = (name: string, help: string) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const read = collectors.get(name);
        if (read) this.set(await read());
      },
    });
  return {
    registry,
    collectors,
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request latency by method, route pattern and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    mintQueueDepth: gauge("mint_queue_depth", "Paid card orders waiting to be minted"),
    mintBatchSize: new Histogram({
      name: "mint_batch_size",
      help: "Tickets per mintBatch transaction",
      buckets: [1, 2, 5, 10, 25, 50, 100, 200],
      registers: [registry],
    }),
    gasSpent: new Counter({
      name: "chain_gas_spent_total",
      help: "Gas used by transactions the server sent, by operation",
      labelNames: ["operation"] as const,
      registers: [registry],
    }),
    indexerLag: gauge("indexer_lag_blocks", "Blocks between the chain head and the indexer cursor"),
    checkIns: new Counter({
      name: "door_checkins_total",
      help: "Door scans by result (accepted, or the refusal reason)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
  };
}

type Metrics = ReturnType<typeof build>;
const GLOBAL_KEY = Symbol.for("ticketchain.metrics");
type GlobalWithMetrics = typeof globalThis & { [GLOBAL_KEY]?: Metrics };

export function metrics(): Metrics {
  const g = globalThis as GlobalWithMetrics;
  return (g[GLOBAL_KEY] ??= build());
}

/** Registers how a gauge reads its value at scrape time (e.g. "mint_queue_depth"). */
export function setCollector(name: "mint_queue_depth" | "indexer_lag_blocks", read: () => Promise<number> | number): void {
  metrics().collectors.set(name, read);
}

export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  const { registry } = metrics();
  return { body: await registry.metrics(), contentType: registry.contentType };
}
