/**
 * Overcommit ratios and the host's reserved memory, checked against OVERCOMMIT_LIMITS — the same
 * numbers the settings sliders use. (hci-no-ram-overcommit, the 1.0 RAM ratio on HCI hosts, is a
 * rule of the HCI family.)
 */
import { localize, type Localized } from "../../i18n";
import { OVERCOMMIT_LIMITS, type RatioLimit } from "../../settings/defaults";
import type { Fix, Hit, Rule } from "../types";

const SETTINGS_OPS = ["validate", "deploy", "change-settings"] as const;

type RatioKey = "cpu" | "ram" | "disk";

function setRatio(key: RatioKey, value: number): Fix {
  return {
    action: "set-setting",
    params: { path: `overcommit.${key}`, value },
    label: localize({ en: "Set it to {value}", "zh-CN": "设为 {value}" }, { value }),
  };
}

/** Out of range blocks (with a fix back to the default); above `warnAbove` warns. */
function checkRatio(key: RatioKey, value: number): Hit[] {
  const limit: RatioLimit = OVERCOMMIT_LIMITS[key];
  const subjects = { fields: [`settings.overcommit.${key}`] };
  const params = {
    value,
    min: limit.min,
    max: limit.max,
    default: limit.default,
  };
  if (!Number.isFinite(value) || value < limit.min || value > limit.max) {
    return [{ params, subjects, fix: setRatio(key, limit.default) }];
  }
  if (limit.warnAbove !== undefined && value > limit.warnAbove) {
    return [
      {
        params: { ...params, warnAbove: limit.warnAbove },
        severity: "warn",
        variant: "high",
        subjects,
      },
    ];
  }
  return [];
}

function ratioRule(
  key: RatioKey,
  id: string,
  texts: {
    message: Localized;
    hint: Localized;
    high?: { message: Localized; hint: Localized };
  },
): Rule {
  return {
    id,
    category: "overcommit",
    severity: "block",
    operations: SETTINGS_OPS,
    steps: ["settings"],
    override: "none",
    message: texts.message,
    hint: texts.hint,
    ...(texts.high ? { variants: { high: texts.high } } : {}),
    check: (ctx) => checkRatio(key, ctx.state.settings.overcommit[key]),
  };
}

const overcommitCpuRange = ratioRule("cpu", "overcommit-cpu-range", {
  message: {
    en: "The CPU overcommit ratio {value} is outside the allowed {min}–{max}.",
    "zh-CN": "CPU 超分比 {value} 超出了允许范围 {min}–{max}。",
  },
  hint: {
    en: "Choose a ratio from {min} to {max}; nova's default {default} suits general-purpose clouds.",
    "zh-CN": "请选择 {min} 到 {max} 之间的比值；nova 的默认值 {default} 适合通用云环境。",
  },
  high: {
    message: {
      en: "The CPU overcommit ratio {value} is above {warnAbove}: busy VMs will wait for CPU time and run slower.",
      "zh-CN": "CPU 超分比 {value} 高于 {warnAbove}：繁忙的虚拟机需要等待 CPU 时间，运行会变慢。",
    },
    hint: {
      en: "Keep it at {warnAbove} or below unless the VMs are mostly idle (desktops, test environments).",
      "zh-CN":
        "除非虚拟机大多处于空闲状态（如桌面云、测试环境），否则请保持在 {warnAbove} 或以下。",
    },
  },
});

const overcommitRamRange = ratioRule("ram", "overcommit-ram-range", {
  message: {
    en: "The RAM overcommit ratio {value} is outside the allowed {min}–{max}.",
    "zh-CN": "内存超分比 {value} 超出了允许范围 {min}–{max}。",
  },
  hint: {
    en: "Choose a ratio from {min} to {max}; {default} means no memory overcommit.",
    "zh-CN": "请选择 {min} 到 {max} 之间的比值；{default} 表示不超分内存。",
  },
  high: {
    message: {
      en: "The RAM overcommit ratio {value} is above {warnAbove}: when VMs use the memory they were promised, the host swaps or kills VMs.",
      "zh-CN":
        "内存超分比 {value} 高于 {warnAbove}：当虚拟机真正用满所分配的内存时，宿主机会使用交换分区或终止虚拟机。",
    },
    hint: {
      en: "Use {warnAbove} unless the VMs' real memory use is known to stay low; HCI hosts must stay at 1.0.",
      "zh-CN": "除非确知虚拟机的实际内存占用较低，否则请使用 {warnAbove}；超融合节点必须保持 1.0。",
    },
  },
});

const overcommitDiskRange = ratioRule("disk", "overcommit-disk-range", {
  message: {
    en: "The disk overcommit ratio {value} is outside the allowed {min}–{max}.",
    "zh-CN": "磁盘超分比 {value} 超出了允许范围 {min}–{max}。",
  },
  hint: {
    en: "Choose a ratio from {min} to {max}; above 1 works only with thin-provisioned images and needs free-space monitoring.",
    "zh-CN":
      "请选择 {min} 到 {max} 之间的比值；大于 1 仅适用于精简置备的镜像，并需要监控剩余空间。",
  },
});

const reservedHostMemoryMin: Rule = {
  id: "reserved-host-memory-min",
  category: "overcommit",
  severity: "block",
  operations: SETTINGS_OPS,
  steps: ["settings"],
  override: "none",
  message: {
    en: "Reserved host memory is {value} MiB; the host OS and agents need at least {min} MiB.",
    "zh-CN": "宿主机预留内存为 {value} MiB；宿主机操作系统和代理程序至少需要 {min} MiB。",
  },
  hint: {
    en: "Reserve at least {min} MiB; {default} MiB is the recommended value.",
    "zh-CN": "请至少预留 {min} MiB；推荐值为 {default} MiB。",
  },
  check(ctx) {
    const value = ctx.state.settings.overcommit.reservedHostMemoryMiB;
    const { min, default: recommended } = OVERCOMMIT_LIMITS.reservedHostMemoryMiB;
    if (Number.isFinite(value) && value >= min) return [];
    return [
      {
        params: { value, min, default: recommended },
        subjects: { fields: ["settings.overcommit.reservedHostMemoryMiB"] },
        fix: {
          action: "set-setting",
          params: {
            path: "overcommit.reservedHostMemoryMiB",
            value: recommended,
          },
          label: localize(
            { en: "Reserve {value} MiB", "zh-CN": "预留 {value} MiB" },
            { value: recommended },
          ),
        },
      },
    ];
  },
};

export const rules: Rule[] = [
  overcommitCpuRange,
  overcommitRamRange,
  overcommitDiskRange,
  reservedHostMemoryMin,
];
