import { errorResponse } from "@/server/gateway/http";
import { getGateway } from "@/server/gateway/instance";

export const dynamic = "force-dynamic";

/** The agent gateway (`/api/agent/register|heartbeat|poll|events|logs`): see server/gateway. */
export async function POST(req: Request, { params }: { params: Promise<{ action: string }> }) {
  const { action } = await params;
  let gateway;
  try {
    gateway = await getGateway();
  } catch (e) {
    return errorResponse(e);
  }
  return gateway.handle(action, req);
}
