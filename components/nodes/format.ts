"use client";
import { useFormatter, useNow } from "next-intl";

const GiB = 1024 ** 3;

/** "3 minutes ago", kept current while the page stays open. */
export function useRelativeTime() {
  const format = useFormatter();
  const now = useNow({ updateInterval: 10_000 });
  // `now` ticks every 10 s, so a heartbeat newer than the last tick would read "in 1 second":
  // a moment that is not in the past yet is shown as now.
  return (d: Date | string) => {
    const at = typeof d === "string" ? new Date(d) : d;
    return format.relativeTime(at.getTime() > now.getTime() ? now : at, now);
  };
}

/** Sizes as operators compare them: memory in binary GiB, disks in decimal GB/TB as labelled by vendors. */
export function useSizes() {
  const format = useFormatter();
  return {
    memory: (bytes: number) => `${format.number(bytes / GiB, { maximumFractionDigits: 1 })} GiB`,
    disk: (bytes: number) =>
      bytes >= 1e12
        ? `${format.number(bytes / 1e12, { maximumFractionDigits: 2 })} TB`
        : `${format.number(bytes / 1e9, { maximumFractionDigits: 0 })} GB`,
    speed: (mbps: number) =>
      mbps >= 1000
        ? `${format.number(mbps / 1000, { maximumFractionDigits: 1 })} Gb/s`
        : `${format.number(mbps)} Mb/s`,
  };
}
