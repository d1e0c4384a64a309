/**
 * Turns zod issues into field errors the operator can read in either language. Schemas name a
 * catalog key as their error (`{ error: "rfc1123-label" }`); generic zod issues get generic texts.
 */
import type { z } from "zod";
import type { FieldError } from "./errors";
import { localize, type Localized } from "./i18n";

export const VALIDATION_MESSAGES = {
  required: { en: "{field} is required.", "zh-CN": "{field}为必填项。" },
  "too-long": {
    en: "{field} must be at most {maximum} characters.",
    "zh-CN": "{field}最多 {maximum} 个字符。",
  },
  "too-short": {
    en: "{field} must be at least {minimum} characters.",
    "zh-CN": "{field}至少 {minimum} 个字符。",
  },
  "rfc1123-label": {
    en: "{field} must be lowercase letters, digits and hyphens, start and end with a letter or digit, 63 characters at most (e.g. dc-east-1).",
    "zh-CN":
      "{field}只能包含小写字母、数字和连字符，以字母或数字开头和结尾，最多 63 个字符（例如 dc-east-1）。",
  },
  email: { en: "{field} must be an email address.", "zh-CN": "{field}必须是邮箱地址。" },
  "password-length": {
    en: "{field} must be 12 to 128 characters.",
    "zh-CN": "{field}长度须为 12 到 128 个字符。",
  },
  "one-of": {
    en: "{field} must be one of: {values}.",
    "zh-CN": "{field}必须是以下之一：{values}。",
  },
  number: { en: "{field} must be a number.", "zh-CN": "{field}必须是数字。" },
  "number-min": {
    en: "{field} must be at least {minimum}.",
    "zh-CN": "{field}不能小于 {minimum}。",
  },
  "number-max": {
    en: "{field} must be at most {maximum}.",
    "zh-CN": "{field}不能大于 {maximum}。",
  },
  "too-few": {
    en: "{field} needs at least {minimum} item(s).",
    "zh-CN": "{field}至少需要 {minimum} 项。",
  },
  "too-many": {
    en: "{field} takes at most {maximum} item(s).",
    "zh-CN": "{field}最多 {maximum} 项。",
  },
  invalid: { en: "{field} is not valid.", "zh-CN": "{field}无效。" },
} as const satisfies Record<string, Localized>;

export type ValidationKey = keyof typeof VALIDATION_MESSAGES;

function isKey(s: string | undefined): s is ValidationKey {
  return s !== undefined && s in VALIDATION_MESSAGES;
}

/** Field names as the operator knows them; unknown paths fall back to the path itself. */
export const FIELD_LABELS: Record<string, Localized> = {
  name: { en: "Name", "zh-CN": "名称" },
  displayName: { en: "Display name", "zh-CN": "显示名称" },
  description: { en: "Description", "zh-CN": "描述" },
  regionId: { en: "Region", "zh-CN": "区域" },
  kind: { en: "Kind", "zh-CN": "类型" },
  releaseId: { en: "Release", "zh-CN": "发行版" },
  email: { en: "Email", "zh-CN": "邮箱" },
  password: { en: "Password", "zh-CN": "密码" },
  role: { en: "Role", "zh-CN": "角色" },
  label: { en: "Label", "zh-CN": "标签" },
  expiresInDays: { en: "Expiry (days)", "zh-CN": "有效期（天）" },
  count: { en: "Number of nodes", "zh-CN": "节点数量" },
  hostname: { en: "Hostname", "zh-CN": "主机名" },
  machineId: { en: "Machine ID", "zh-CN": "机器 ID" },
};

function label(path: string): Localized {
  const last = path.split(".").at(-1) ?? path;
  return FIELD_LABELS[last] ?? { en: path, "zh-CN": path };
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const field = label(path);
    let key: ValidationKey = "invalid";
    const params: Record<string, string | number> = {};
    if (isKey(issue.message)) key = issue.message;
    else if (issue.code === "too_small") {
      const min = Number(issue.minimum);
      // Numbers and lists have bounds of their own; only text is counted in characters.
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint")
        key = "number-min";
      else if (issue.origin === "array" || issue.origin === "set") key = "too-few";
      else key = min <= 1 ? "required" : "too-short";
      params.minimum = min;
    } else if (issue.code === "too_big") {
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint")
        key = "number-max";
      else if (issue.origin === "array" || issue.origin === "set") key = "too-many";
      else key = "too-long";
      params.maximum = Number(issue.maximum);
    } else if (issue.code === "invalid_value") {
      key = "one-of";
      params.values = issue.values.map(String).join(", ");
    } else if (issue.code === "invalid_type") {
      key = issue.expected === "number" ? "number" : "required";
    }
    const en = localize(VALIDATION_MESSAGES[key], { ...params, field: field.en });
    const zh = localize(VALIDATION_MESSAGES[key], { ...params, field: field["zh-CN"] });
    return { path, message: { en: en.en, "zh-CN": zh["zh-CN"] } };
  });
}
