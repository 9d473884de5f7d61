import { checkHealth } from "~/services/health.server";

/** GET /healthz: database, chain, contracts and cache, as JSON; 503 naming the failing parts. */
export async function loader() {
  const report = await checkHealth();
  return Response.json(report, {
    status: report.failing.length ? 503 : 200,
    headers: { "Cache-Control": "no-store" },
  });
}
