/** PostgreSQL error codes we act on; drizzle wraps driver errors, so look through `cause`. */
function pgCode(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  if (pgCode(e) !== "23505") return false;
  if (!constraint) return true;
  const text = String((e as { cause?: { constraint?: string; message?: string } }).cause?.constraint ?? e);
  return text.includes(constraint) || JSON.stringify(e).includes(constraint);
}

export function isForeignKeyViolation(e: unknown): boolean {
  return pgCode(e) === "23503";
}

/** Connection-level failures: the database is away rather than the query being wrong. */
export function isConnectionError(e: unknown): boolean {
  const code = pgCode(e);
  if (code?.startsWith("08") || code === "57P01" || code === "57P03") return true;
  const text = String((e as Error)?.message ?? "") + String((e as { cause?: Error }).cause?.message ?? "");
  return /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|closed/i.test(text);
}
