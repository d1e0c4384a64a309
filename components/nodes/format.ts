"use client";
import { useFormatter, useNow } from "next-intl";

const GiB = 1024 ** 3;

/** "3 minutes ago", kept current while the page stays open. */
export function useRelativeTime() {
  const format = useFormatter();
  const now = useNow({ updateInterval: 10_000 });
  return (d: Date | string) => format.relativeTime(typeof d === "string" ? new Date(d) : d, now);
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
