/**
 * Every text the engine's transitions put in a `Reason`: one catalog, English and Chinese side by
 * side, so a reworded message is changed once for both languages. A reason keeps its numbers in
 * `params` too, so the UI and the API can show or filter on them without parsing the text.
 */
import { fill, LOCALES, type Localized, type Params } from "../i18n";
import type { Reason } from "./types";

const TEXT = {
  // Attempt outcomes.
  "attempt.exit-failed": {
    en: "Exited with code {exitCode}.",
    "zh-CN": "进程以退出码 {exitCode} 结束。",
  },
  "attempt.exit-started-unreported": {
    en: "Exited with code {exitCode}; the agent never reported the start, so no run time is known.",
    "zh-CN": "进程以退出码 {exitCode} 结束；代理未报告启动时间，因此无法得知运行时长。",
  },
  "attempt.killing-timeout": {
    en: "Ran longer than its {seconds} s limit; waiting for the agent to confirm the whole process tree is killed.",
    "zh-CN": "运行时间超过 {seconds} 秒的上限；正在等待代理确认整个进程树已终止。",
  },
  "attempt.killing-cancel": {
    en: "Cancel requested; waiting for the agent to confirm the whole process tree is killed.",
    "zh-CN": "已请求取消；正在等待代理确认整个进程树已终止。",
  },
  "attempt.timed-out": {
    en: "Timed out after {seconds} s; the agent confirmed the process tree is killed.",
    "zh-CN": "运行超过 {seconds} 秒已超时；代理已确认进程树已终止。",
  },
  "attempt.timed-out-agent": {
    en: "Timed out after {seconds} s; the agent stopped it at its deadline and confirmed the process tree is killed.",
    "zh-CN": "运行超过 {seconds} 秒已超时；代理在截止时间将其终止，并已确认进程树已终止。",
  },
  "attempt.cancelled": {
    en: "Cancelled; the agent confirmed the process tree is killed.",
    "zh-CN": "已取消；代理已确认进程树已终止。",
  },
  "attempt.cancelled-queued": {
    en: "Cancelled before it was dispatched to the node; nothing ran.",
    "zh-CN": "在派发到节点之前已取消；未运行任何内容。",
  },
  "attempt.finished-before-kill": {
    en: "Exited with code 0 before the kill took effect: the work completed, so the attempt counts as succeeded.",
    "zh-CN": "在终止生效前已以退出码 0 结束：工作已完成，因此本次尝试计为成功。",
  },
  "attempt.lost": {
    en: "The agent was silent for more than {seconds} s; the outcome of this attempt is unknown.",
    "zh-CN": "代理超过 {seconds} 秒没有响应；本次尝试的结果未知。",
  },
  "attempt.lost-while-killing": {
    en: "The agent went silent for more than {seconds} s before confirming the kill; processes may still run on the node. Check the node before retrying.",
    "zh-CN":
      "代理在确认终止之前超过 {seconds} 秒没有响应；节点上可能仍有进程在运行。重试前请先检查该节点。",
  },

  // How an attempt failed, embedded in step reasons as {failure}.
  "failure.exit": { en: "exit code {exitCode}", "zh-CN": "退出码 {exitCode}" },
  "failure.timeout": { en: "timed out after {seconds} s", "zh-CN": "运行超过 {seconds} 秒超时" },
  "failure.lost": {
    en: "agent silent for more than {heartbeatSeconds} s",
    "zh-CN": "代理超过 {heartbeatSeconds} 秒无响应",
  },

  // Step outcomes.
  "step.retrying": {
    en: "Attempt {attempt} of {maxAttempts} failed ({failure}); the next attempt starts in {delaySeconds} s.",
    "zh-CN":
      "第 {attempt} 次尝试（共 {maxAttempts} 次）失败（{failure}）；{delaySeconds} 秒后开始下一次尝试。",
  },
  "step.retries-exhausted": {
    en: "Failed after {attempt} of {maxAttempts} attempts; last: {failure}. Fix the cause, then retry the step.",
    "zh-CN":
      "共尝试 {attempt} 次（上限 {maxAttempts} 次）后失败；最后一次：{failure}。排除原因后请重试该步骤。",
  },
  "step.failed-no-retries": {
    en: "Failed ({failure}); its retry policy allows 1 attempt. Fix the cause and retry the step, or launch with more retries.",
    "zh-CN":
      "失败（{failure}）；其重试策略只允许 1 次尝试。请排除原因后重试该步骤，或在启动时设置更多重试次数。",
  },
  "step.not-retryable": {
    en: "Exit code {exitCode} is not retryable (attempt {attempt} of {maxAttempts}); retrying cannot help. Fix the cause, then retry the step.",
    "zh-CN":
      "退出码 {exitCode} 属于不可重试的错误（第 {attempt} 次尝试，共 {maxAttempts} 次）；重试无济于事。请排除原因后重试该步骤。",
  },
  "step.queue-timeout": {
    en: "Waited {waitedSeconds} s in the queue without a free slot (limit {limitSeconds} s). Raise the strategy's amount, the limit of nodes in flight, or the queue timeout.",
    "zh-CN":
      "在队列中等待 {waitedSeconds} 秒仍未获得执行名额（上限 {limitSeconds} 秒）。请调高策略的并发数、同时运行的节点上限或排队超时时间。",
  },
  "step.dependency-failed": {
    en: "Not run: dependency {dependency} failed.",
    "zh-CN": "未运行：依赖项 {dependency} 失败。",
  },
  "step.cancelled-waiting": {
    en: "Cancelled before it started.",
    "zh-CN": "在开始之前已取消。",
  },
  "step.cancelled-retry-wait": {
    en: "Cancelled while waiting to start attempt {next}.",
    "zh-CN": "在等待开始第 {next} 次尝试时已取消。",
  },
  "step.cancelled-running": {
    en: "Cancelled during attempt {attempt}.",
    "zh-CN": "在第 {attempt} 次尝试运行期间已取消。",
  },

  // Task outcomes.
  "task.steps-failed": {
    en: "{failed} of {total} steps failed and {cancelled} did not run. Open the failed steps for their logs, then retry the failed ones.",
    "zh-CN":
      "{total} 个步骤中有 {failed} 个失败，{cancelled} 个未运行。请打开失败的步骤查看日志，然后重试失败的步骤。",
  },
  "task.tolerance-exceeded": {
    en: "Failed nodes in step {group}: {failed}, more than the {tolerated} it tolerates; no new attempts start.",
    "zh-CN":
      "步骤 {group} 在 {failed} 个节点上失败，超过其可容忍的 {tolerated} 个；不再启动新的尝试。",
  },
  "task.halted": {
    en: "A step failed on more nodes than its fault tolerance allows; no new attempts start.",
    "zh-CN": "某个步骤失败的节点数超过了其容错上限；不再启动新的尝试。",
  },
  "task.cancel": {
    en: "Cancelled by request; running attempts are killed, nothing is destroyed.",
    "zh-CN": "已按请求取消；运行中的尝试会被终止，不会删除任何内容。",
  },
  "task.deadline": {
    en: "Passed its deadline {seconds} s after it started; running attempts are killed.",
    "zh-CN": "开始后 {seconds} 秒已超过截止时间；运行中的尝试会被终止。",
  },
  "task.deadline-before-start": {
    en: "Passed its deadline before it started; nothing ran.",
    "zh-CN": "在开始之前已超过截止时间；未运行任何内容。",
  },
  "task.paused": {
    en: "Paused: no new attempts start; running attempts finish. Resume to continue.",
    "zh-CN": "已暂停：不再启动新的尝试，运行中的尝试会继续完成。恢复后即可继续。",
  },
  "task.finished-before-cancel": {
    en: "Every step finished before the cancel took effect.",
    "zh-CN": "所有步骤在取消生效之前均已完成。",
  },

  // Events a transition ignored (logged by the executor).
  "ignored.stale-epoch": {
    en: "Report {event} from lease epoch {epoch} ignored: the attempt's lease is at epoch {current}.",
    "zh-CN": "已忽略来自租约周期 {epoch} 的 {event} 报告：该尝试的租约当前处于周期 {current}。",
  },
  "ignored.unknown-epoch": {
    en: "Report {event} from lease epoch {epoch} ignored: this attempt was never dispatched under that epoch (current: {current}).",
    "zh-CN":
      "已忽略来自租约周期 {epoch} 的 {event} 报告：该尝试从未在此周期下派发（当前周期为 {current}）。",
  },
  "ignored.not-applicable": {
    en: "Event {event} does not apply to {machine} in state {status}.",
    "zh-CN": "事件 {event} 不适用于处于 {status} 状态的{machine}。",
  },
  "ignored.final": {
    en: "Event {event} ignored: {machine} already ended as {status}.",
    "zh-CN": "已忽略事件 {event}：{machine}已以 {status} 状态结束。",
  },
  "ignored.early": {
    en: "Event {event} ignored: it is due at {due}, {earlyMs} ms from now.",
    "zh-CN": "已忽略事件 {event}：它应在 {due} 触发，距现在还有 {earlyMs} 毫秒。",
  },
  "ignored.duplicate": {
    en: "Duplicate report {event} ignored: it was already recorded.",
    "zh-CN": "已忽略重复的 {event} 报告：该报告此前已记录。",
  },
  "ignored.cancel-through-attempt": {
    en: "A running step is cancelled through its attempt: cancel the attempt, and the step follows.",
    "zh-CN": "运行中的步骤需通过取消其尝试来取消：取消该尝试后，步骤会随之取消。",
  },
  "ignored.skipped-not-reset": {
    en: "The plan skipped this step; a reset cannot run it. Re-plan the task if its condition has changed.",
    "zh-CN": "该步骤已被计划跳过，重置无法使其运行。如果其条件已变化，请重新生成计划。",
  },
  "ignored.deadline-unset": {
    en: "Event {event} ignored: no deadline is set.",
    "zh-CN": "已忽略事件 {event}：未设置截止时间。",
  },
} as const satisfies Record<string, Localized>;

export type ReasonCode = keyof typeof TEXT;

/** Names of the state machines, as they read inside the messages. */
export const MACHINE = {
  attempt: { en: "an attempt", "zh-CN": "尝试" },
  step: { en: "a step", "zh-CN": "步骤" },
  task: { en: "a task", "zh-CN": "任务" },
} as const satisfies Record<string, Localized>;
export type Machine = keyof typeof MACHINE;

/**
 * Builds a reason from the catalog. `parts` are nested texts (e.g. how an attempt failed) filled
 * in per language before the params; their params join the reason's, so every number stays
 * visible in `params`.
 */
export function reason(
  code: ReasonCode,
  params: Params = {},
  parts: Record<string, { message: Localized; params?: Params }> = {},
): Reason {
  const message = {} as Localized;
  let allParams: Params = {};
  for (const part of Object.values(parts)) allParams = { ...allParams, ...(part.params ?? {}) };
  allParams = { ...allParams, ...params };
  for (const locale of LOCALES) {
    const partText: Params = {};
    for (const [name, part] of Object.entries(parts)) partText[name] = part.message[locale];
    message[locale] = fill(fill(TEXT[code][locale], partText), allParams);
  }
  return { code, message, params: allParams };
}

/** The catalog itself, for the test that checks both languages carry the same placeholders. */
export const REASON_TEXT: Readonly<Record<ReasonCode, Localized>> = TEXT;
