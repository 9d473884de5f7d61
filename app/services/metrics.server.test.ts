import { describe, expect, it } from "vitest";
import { metrics, renderMetrics, setCollector } from "./metrics.server";

describe("Prometheus metrics", () => {
  it("renders the platform's metrics in the text exposition format", async () => {
    const m = metrics();
    m.httpDuration.observe({ method: "GET", route: "/events/:slug", status: "200" }, 0.012);
    m.mintBatchSize.observe(37);
    m.gasSpent.inc({ operation: "mintBatch" }, 1_234_567);
    m.checkIns.inc({ result: "accepted" });
    setCollector("mint_queue_depth", async () => 12);
    setCollector("indexer_lag_blocks", () => 3);
    const { body, contentType } = await renderMetrics();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('http_request_duration_seconds_bucket{le="0.025",method="GET",route="/events/:slug",status="200"} 1');
    expect(body).toContain("mint_batch_size_sum 37");
    expect(body).toContain('chain_gas_spent_total{operation="mintBatch"} 1234567');
    expect(body).toContain("mint_queue_depth 12");
    expect(body).toContain("indexer_lag_blocks 3");
    expect(body).toContain('door_checkins_total{result="accepted"} 1');
    expect(body).toContain("process_cpu_user_seconds_total");
  });
});
