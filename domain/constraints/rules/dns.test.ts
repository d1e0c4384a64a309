import type { ClusterState } from "../../model";
import { defaultNetworks, makeState } from "../testing";
import { table } from "../rule-table";
import { rules } from "./dns";

const base = makeState();
const withDns = (
  servers: string[],
  domain = base.settings.dns.domain,
  extra: Partial<ClusterState> = {},
) =>
  makeState({
    settings: { ...base.settings, dns: { servers, domain } },
    ...extra,
  });

table(rules, "dns-servers-count", [
  { name: "two servers pass", state: base },
  {
    name: "none blocks",
    state: withDns([]),
    expect: [{ severity: "block", params: { count: 0, min: 1, max: 3 } }],
  },
  {
    name: "four block, keeping three as the fix",
    state: withDns(["10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"]),
    expect: [
      {
        severity: "block",
        params: { count: 4, max: 3 },
        fix: {
          params: {
            path: "dns.servers",
            value: ["10.0.0.4", "10.0.0.5", "10.0.0.6"],
          },
        },
      },
    ],
  },
]);

const v6Management = defaultNetworks().map((n) =>
  n.name === "management" ? { ...n, cidr: "fd00:10::/64", gateway: "fd00:10::1", vips: [] } : n,
);

table(rules, "dns-server-valid", [
  { name: "IPv4 servers on an IPv4 management network pass", state: base },
  {
    name: "IPv6 servers on an IPv6 management network pass",
    state: withDns(["fd00:10::53"], undefined, { networks: v6Management }),
  },
  {
    name: "a hostname blocks",
    state: withDns(["10.0.0.4", "dns.example.com"]),
    expect: [
      {
        severity: "block",
        params: { index: 2, server: "dns.example.com" },
        subjects: { fields: ["settings.dns.servers[1]"] },
      },
    ],
  },
  {
    name: "an IPv4 server on an IPv6 management network blocks",
    state: withDns(["10.0.0.4"], undefined, { networks: v6Management }),
    expect: [
      {
        severity: "block",
        params: {
          index: 1,
          server: "10.0.0.4",
          family: 4,
          managementFamily: 6,
        },
      },
    ],
  },
]);

table(rules, "dns-domain-valid", [
  { name: "cloud.example.com passes", state: base },
  {
    name: "an empty domain blocks",
    state: withDns(["10.0.0.4"], ""),
    expect: [{ severity: "block", params: {} }],
  },
  {
    name: "an underscore blocks with the bad label",
    state: withDns(["10.0.0.4"], "my_cloud.example.com"),
    expect: [
      {
        severity: "block",
        params: { domain: "my_cloud.example.com", label: "my_cloud" },
      },
    ],
  },
  {
    name: "an all-digit last label blocks",
    state: withDns(["10.0.0.4"], "cloud.123"),
    expect: [{ severity: "block", params: { label: "123" } }],
  },
  {
    name: "a 255-character domain blocks",
    state: withDns(["10.0.0.4"], Array.from({ length: 4 }, () => "a".repeat(63)).join(".")),
    expect: [{ severity: "block", params: { length: 255, max: 253 } }],
  },
  {
    name: "capital letters block with a lowercase fix",
    state: withDns(["10.0.0.4"], "Cloud.Example.com"),
    expect: [
      {
        severity: "block",
        params: { domain: "Cloud.Example.com", lower: "cloud.example.com" },
        fix: { params: { value: "cloud.example.com" } },
      },
    ],
  },
]);
