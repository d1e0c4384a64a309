import { describe, expect, it } from "vitest";
import type { ClusterState, Intent, Settings } from "../../model";
import { makeState, pick, runRule } from "../testing";
import { table } from "../rule-table";
import { rules } from "./ntp";

const base = makeState();
function withSettings(ntp: string[], dns: string[] = base.settings.dns.servers): ClusterState {
  return makeState({
    settings: {
      ...base.settings,
      ntp: { ...base.settings.ntp, servers: ntp },
      dns: { ...base.settings.dns, servers: dns },
    },
  });
}
const change = (settings: Partial<Settings>): Intent => ({
  kind: "change-settings",
  settings,
});

table(rules, "ntp-servers-count", [
  { name: "two servers pass", state: base },
  {
    name: "no server blocks, offering the pool when DNS is set",
    state: withSettings([]),
    expect: [
      {
        severity: "block",
        params: { count: 0, min: 1, max: 3 },
        fix: {
          action: "set-setting",
          params: {
            path: "ntp.servers",
            value: ["0.pool.ntp.org", "1.pool.ntp.org"],
          },
        },
      },
    ],
  },
  {
    name: "four servers block, keeping the first three as the fix",
    state: withSettings(["10.0.0.2", "10.0.0.3", "10.0.0.6", "10.0.0.7"]),
    expect: [
      {
        severity: "block",
        params: { count: 4, max: 3 },
        fix: {
          params: {
            path: "ntp.servers",
            value: ["10.0.0.2", "10.0.0.3", "10.0.0.6"],
          },
        },
      },
    ],
  },
]);

describe("ntp-servers-count without DNS", () => {
  it("offers no pool servers", () => {
    const [finding] = runRule(pick(rules, "ntp-servers-count"), withSettings([], []));
    expect(finding?.severity).toBe("block");
    expect(finding?.fix).toBeUndefined();
  });
});

table(rules, "ntp-server-valid", [
  {
    name: "IPv4, IPv6 and hostnames pass",
    state: withSettings(["10.0.0.2", "fd00::123", "ntp1.example.com"]),
  },
  {
    name: "a mistyped address and a bad hostname block, each with its position",
    state: withSettings(["10.0.0.256", "ntp_1.example.com", "10.0.0.2"]),
    expect: [
      {
        severity: "block",
        params: { index: 1, server: "10.0.0.256" },
        subjects: { fields: ["settings.ntp.servers[0]"] },
      },
      {
        severity: "block",
        params: { index: 2, server: "ntp_1.example.com" },
        subjects: { fields: ["settings.ntp.servers[1]"] },
      },
    ],
  },
]);

table(rules, "ntp-hostname-needs-dns", [
  {
    name: "IP servers without DNS pass",
    state: withSettings(["10.0.0.2"], []),
  },
  { name: "hostnames with DNS pass", state: withSettings(["0.pool.ntp.org"]) },
  {
    name: "hostnames without DNS block",
    state: withSettings(["0.pool.ntp.org", "10.0.0.2"], []),
    expect: [{ severity: "block", params: { servers: "0.pool.ntp.org", count: 1 } }],
  },
  {
    name: "removing the last DNS server while an NTP hostname exists blocks",
    state: withSettings(["ntp.example.com"], ["10.0.0.4"]),
    intent: change({ dns: { servers: [], domain: "cloud.example.com" } }),
    expect: [
      {
        severity: "block",
        params: { servers: "ntp.example.com" },
        subjects: { fields: ["settings.dns.servers"] },
      },
    ],
  },
]);

describe("ntp-hostname-needs-dns texts", () => {
  it("says that the change removes the last DNS server", () => {
    const [finding] = runRule(
      pick(rules, "ntp-hostname-needs-dns"),
      withSettings(["ntp.example.com"], ["10.0.0.4"]),
      change({ dns: { servers: [], domain: "cloud.example.com" } }),
    );
    expect(finding?.message.en).toContain("removes the last DNS server");
    expect(finding?.message["zh-CN"]).toContain("最后一个 DNS 服务器");
  });
});
