"use client";
import type { z } from "zod";
import type { CairnErrorShape, FieldError } from "@/domain/errors";
import type { Locale } from "@/domain/i18n";
import { fieldErrors } from "@/domain/validation";

export type FieldMessages = Record<string, string>;

export function toFieldMessages(fields: FieldError[] | undefined, locale: Locale): FieldMessages {
  const out: FieldMessages = {};
  for (const f of fields ?? []) out[f.path] ??= f.message[locale];
  return out;
}

/**
 * Checks a form with the very schema the server will apply, so the browser shows the same
 * field messages the API would return, before the request is sent.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  values: unknown,
  locale: Locale,
): { ok: true; data: z.output<S> } | { ok: false; fields: FieldMessages } {
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, fields: toFieldMessages(fieldErrors(parsed.error), locale) };
}

export function serverFieldMessages(error: CairnErrorShape | null, locale: Locale): FieldMessages {
  return toFieldMessages(error?.fields, locale);
}
