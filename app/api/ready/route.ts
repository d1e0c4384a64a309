import { checkHealth } from "@/server/services/health";

export const dynamic = "force-dynamic";

/**
 * Readiness: the database answers and its migrations are current. Public for load balancers, so it
 * reports statuses and latencies only; locations and errors are on the signed-in Health page.
 */
export async function GET() {
  const report = await checkHealth();
  const body = {
    status: report.status,
    version: report.version,
    checks: report.checks.map((c) => ({ name: c.name, status: c.status, latencyMs: c.latencyMs })),
  };
  return Response.json(body, { status: report.status === "down" ? 503 : 200 });
}
