import { desc, lt } from "drizzle-orm";
import type { Db } from "../client";
import { auditLog } from "../schema";

export interface AuditEntry {
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  target: string | null;
  outcome: "ok" | "error";
  errorCode?: string | null;
  details?: Record<string, unknown> | null;
}

export async function insertAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values(entry);
}

export async function listAudit(db: Db, params: { limit: number; beforeId?: number }) {
  return db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      actorEmail: auditLog.actorEmail,
      action: auditLog.action,
      target: auditLog.target,
      outcome: auditLog.outcome,
      errorCode: auditLog.errorCode,
    })
    .from(auditLog)
    .where(params.beforeId ? lt(auditLog.id, params.beforeId) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(params.limit);
}
