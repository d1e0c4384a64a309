import { describe, expect, it } from "vitest";
import { placeholdersOf } from "../i18n";
import { MACHINE, REASON_TEXT, reason, type ReasonCode } from "./reasons";

describe("engine reason catalog", () => {
  it.each(Object.entries(REASON_TEXT))(
    "%s has the same placeholders in English and Chinese",
    (_code, text) => {
      expect(placeholdersOf(text["zh-CN"])).toEqual(placeholdersOf(text.en));
      expect(text["zh-CN"]).toMatch(/[\u4e00-\u9fff]/);
    },
  );

  it("fills numbers into both languages and keeps them in params", () => {
    const r = reason("attempt.lost", { seconds: 30 });
    expect(r).toEqual({
      code: "attempt.lost",
      params: { seconds: 30 },
      message: {
        en: "The agent was silent for more than 30 s; the outcome of this attempt is unknown.",
        "zh-CN": "代理超过 30 秒没有响应；本次尝试的结果未知。",
      },
    });
  });

  it("embeds a nested part per language and merges its params", () => {
    const failure = reason("failure.exit", { exitCode: 4 });
    const r = reason("step.retrying", { attempt: 1, maxAttempts: 2, delaySeconds: 3 }, { failure });
    expect(r.message.en).toBe(
      "Attempt 1 of 2 failed (exit code 4); the next attempt starts in 3 s.",
    );
    expect(r.message["zh-CN"]).toBe(
      "第 1 次尝试（共 2 次）失败（退出码 4）；3 秒后开始下一次尝试。",
    );
    expect(r.params).toEqual({ exitCode: 4, attempt: 1, maxAttempts: 2, delaySeconds: 3 });
  });

  it("names the machine in each language", () => {
    const r = reason(
      "ignored.not-applicable",
      { event: "cancel", status: "succeeded" },
      { machine: { message: MACHINE.step } },
    );
    expect(r.message.en).toBe("Event cancel does not apply to a step in state succeeded.");
    expect(r.message["zh-CN"]).toBe("事件 cancel 不适用于处于 succeeded 状态的步骤。");
  });

  it("leaves no placeholder unfilled when the params are given", () => {
    const codes = Object.keys(REASON_TEXT) as ReasonCode[];
    for (const code of codes) {
      const names = placeholdersOf(REASON_TEXT[code].en);
      const params = Object.fromEntries(names.map((n) => [n, 1]));
      const r = reason(code, params);
      expect(r.message.en).not.toMatch(/\{\w+\}/);
      expect(r.message["zh-CN"]).not.toMatch(/\{\w+\}/);
    }
  });
});
