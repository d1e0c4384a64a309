import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldErrors } from "./validation";

const schema = z.object({
  label: z.string().trim().min(1).max(5),
  expiresInDays: z.number().int().min(0).max(3650),
  nics: z.array(z.string()).min(1).max(2),
});

function messages(input: unknown) {
  const r = schema.safeParse(input);
  if (r.success) throw new Error("expected a failure");
  return Object.fromEntries(fieldErrors(r.error).map((f) => [f.path, f.message]));
}

describe("fieldErrors", () => {
  it("names the field and the bound in the unit that applies: characters, a number, items", () => {
    const m = messages({ label: "toolong", expiresInDays: 4000, nics: [] });
    expect(m.label?.en).toBe("Label must be at most 5 characters.");
    expect(m.expiresInDays?.en).toBe("Expiry (days) must be at most 3650.");
    expect(m.expiresInDays?.["zh-CN"]).toBe("有效期（天）不能大于 3650。");
    expect(m.nics?.en).toBe("nics needs at least 1 item(s).");
  });

  it("an empty text is required; a negative number is below its minimum", () => {
    const m = messages({ label: "", expiresInDays: -1, nics: ["a", "b", "c"] });
    expect(m.label?.en).toBe("Label is required.");
    expect(m.expiresInDays?.en).toBe("Expiry (days) must be at least 0.");
    expect(m.nics?.en).toBe("nics takes at most 2 item(s).");
  });
});
