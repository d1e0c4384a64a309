import { APP_VERSION } from "@/server/config";

export const dynamic = "force-dynamic";

/** Liveness: the process answers. Public, for load balancers and supervisors; reveals nothing. */
export function GET() {
  return Response.json({ status: "ok", version: APP_VERSION });
}
