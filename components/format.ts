"use client";
import { useFormatter } from "next-intl";

export function useDateTime() {
  const format = useFormatter();
  return (d: Date | string) =>
    format.dateTime(typeof d === "string" ? new Date(d) : d, {
      dateStyle: "medium",
      timeStyle: "short",
    });
}
