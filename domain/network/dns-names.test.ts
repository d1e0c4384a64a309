import { describe, expect, it } from "vitest";
import { checkDnsName, isHostname } from "./dns-names";

describe("checkDnsName", () => {
  it.each(["ntp1.example.com", "0.pool.ntp.org", "localhost", "Cloud.Example.COM", "a-b.c"])(
    "accepts %s",
    (name) => {
      expect(checkDnsName(name)).toBeNull();
    },
  );

  it.each([
    ["", { code: "empty" }],
    ["ntp_1.example.com", { code: "bad-label", label: "ntp_1" }],
    ["-ntp.example.com", { code: "bad-label", label: "-ntp" }],
    ["ntp..example.com", { code: "bad-label", label: "" }],
    ["example.com.", { code: "bad-label", label: "" }],
    [`${"a".repeat(64)}.com`, { code: "bad-label", label: "a".repeat(64) }],
    ["10.0.0.256", { code: "numeric-tld", label: "256" }],
    [Array.from({ length: 4 }, () => "a".repeat(63)).join("."), { code: "too-long", length: 255 }],
  ])("refuses %j", (name, problem) => {
    expect(checkDnsName(name)).toEqual(problem);
    expect(isHostname(name)).toBe(false);
  });
});
