import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { CairnError } from "@/domain/errors";
import { appRouter } from "@/server/trpc/root";
import { createContext } from "@/server/trpc/init";

export const dynamic = "force-dynamic";

/**
 * CSRF: session cookies are SameSite=Lax, and a state-changing request whose Origin names another
 * host is refused outright.
 */
function crossOrigin(req: Request): string | null {
  if (req.method === "GET" || req.method === "HEAD") return null;
  const origin = req.headers.get("origin");
  if (!origin) return null;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  try {
    return new URL(origin).host === host ? null : origin;
  } catch {
    return origin;
  }
}

function handler(req: Request) {
  const foreign = crossOrigin(req);
  if (foreign) {
    const e = new CairnError("auth.cross-origin", { origin: foreign });
    return Response.json({ error: e.toShape() }, { status: 403 });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createContext({ headers: req.headers }),
  });
}

export { handler as GET, handler as POST };
