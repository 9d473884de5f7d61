import { checkHealth } from "~/services/health.server";

/** GET /healthz: database, chain, contracts and cache, as JSON; 503 naming the failing parts. */
export async function loader() {
  const report = await checkHealth();
  return Response.json(report, {
    status: report.failing.length ? 503 : 200,
    headers: { "Cache-Control": "no-store" },
  });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
