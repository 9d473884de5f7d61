import type { LoaderFunctionArgs } from "@remix-run/node";
import { env } from "~/env.server";
import { renderMetrics } from "~/services/metrics.server";

/**
 * GET /metrics: Prometheus text format. Scrape it from inside the network; with METRICS_TOKEN set it
 * requires `Authorization: Bearer <token>`.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const token = env().METRICS_TOKEN;
  if (token && request.headers.get("authorization") !== `Bearer ${token}`) {
    return new Response("metrics need Authorization: Bearer <METRICS_TOKEN>\n", { status: 401, headers: { "content-type": "text/plain" } });
  }
  const { body, contentType } = await renderMetrics();
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
}

/** Anything but GET: 405 with a message (Remix's default for a route without an action is a bare 405). */
export async function action() {
  return Response.json({ error: "Use GET." }, { status: 405, headers: { allow: "GET" } });
}
