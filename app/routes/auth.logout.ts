import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { destroySession } from "~/services/session.server";

/** POST /auth/logout: revokes the session. Forms are redirected home; API calls get { ok: true }. */
export async function action({ request }: ActionFunctionArgs) {
  const headers = await destroySession(request);
  const wantsJson = (request.headers.get("accept") ?? "").includes("application/json");
  if (wantsJson) return Response.json({ ok: true }, { headers });
  return redirect("/", { headers });
}

export async function loader() {
  return redirect("/");
}
