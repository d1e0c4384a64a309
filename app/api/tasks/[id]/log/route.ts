import { headers } from "next/headers";
import { CairnError } from "@/domain/errors";
import { isLocale } from "@/domain/i18n";
import { sessionFromHeaders } from "@/server/auth";
import { getDb } from "@/server/db";
import { downloadTaskLog } from "@/server/services/tasks";

export const dynamic = "force-dynamic";

/** The whole raw log of a task as a text download, streamed from the database (never buffered). */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await sessionFromHeaders(await headers());
  if (!user) {
    const e = new CairnError("auth.unauthenticated");
    return Response.json({ error: e.toShape() }, { status: 401 });
  }
  const { id } = await params;
  const db = await getDb();
  const lang = new URL(req.url).searchParams.get("lang");
  let lines: AsyncIterable<string>;
  try {
    lines = await downloadTaskLog({ db }, { taskId: id, locale: isLocale(lang) ? lang : "en" });
  } catch (e) {
    if (e instanceof CairnError) return Response.json({ error: e.toShape() }, { status: 404 });
    throw e;
  }
  const encoder = new TextEncoder();
  const iterator = lines[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="task-${id}.log"`,
    },
  });
}
