import { describe, expect, it } from "vitest";
import { hostnameFile, hostsFile } from "./hosts";
import { HostConfigError } from "./managed";

const HEADER = `# Managed by Cairn: local changes are overwritten on the next deploy.
# Every cluster node by its management address: FQDN, then the short name. A node's own name
# maps to its management address, never to 127.0.1.1: RabbitMQ, Galera and etcd advertise the
# address their host name resolves to.

127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

const six = (address: (i: number) => string | undefined) =>
  [6, 5, 4, 3, 2, 1].map((n) => ({
    hostname: `lab-000${n}`,
    addresses: address(n) === undefined ? {} : { management: address(n) },
  }));

describe("hostnameFile", () => {
  it("holds the short name only", () => {
    expect(hostnameFile("lab-0001")).toBe("lab-0001\n");
  });

  it("refuses a name that is not an RFC 1123 label", () => {
    expect(() => hostnameFile("lab_0001")).toThrow(HostConfigError);
    expect(() => hostnameFile("lab-0001.cloud.example.com")).toThrow(/node\.hostname/);
  });
});

describe("hostsFile", () => {
  it("lists every node by management address, FQDN first, in host name order", () => {
    expect(hostsFile({ domain: "cloud.example.com", nodes: six((n) => `10.20.0.${10 + n}`) }))
      .toBe(`${HEADER}
10.20.0.11\tlab-0001.cloud.example.com lab-0001
10.20.0.12\tlab-0002.cloud.example.com lab-0002
10.20.0.13\tlab-0003.cloud.example.com lab-0003
10.20.0.14\tlab-0004.cloud.example.com lab-0004
10.20.0.15\tlab-0005.cloud.example.com lab-0005
10.20.0.16\tlab-0006.cloud.example.com lab-0006
`);
  });

  it("writes IPv6 addresses canonically and orders node-2 before node-10", () => {
    const text = hostsFile({
      domain: "cloud.example.com",
      nodes: [
        { hostname: "node-10", addresses: { management: "FD00:20:0:0::0A" } },
        { hostname: "node-2", addresses: { management: "fd00:20::2" } },
      ],
    });
    expect(
      text.endsWith(
        "fd00:20::2\tnode-2.cloud.example.com node-2\nfd00:20::a\tnode-10.cloud.example.com node-10\n",
      ),
    ).toBe(true);
  });

  it("notes a node without a management address instead of inventing one", () => {
    const text = hostsFile({
      domain: "cloud.example.com",
      nodes: six((n) => (n === 5 ? undefined : `10.20.0.${10 + n}`)),
    });
    expect(text).toContain(
      "10.20.0.14\tlab-0004.cloud.example.com lab-0004\n# lab-0005: no management address yet\n10.20.0.16\t",
    );
  });

  it("uses short names alone when the cluster has no domain", () => {
    const text = hostsFile({ domain: "", nodes: six((n) => `10.20.0.${10 + n}`) });
    expect(text).toContain("\n10.20.0.11\tlab-0001\n");
    expect(text).not.toContain("lab-0001.");
  });

  it("refuses duplicate names and addresses, naming the node and the field", () => {
    expect(() =>
      hostsFile({
        domain: "x.example",
        nodes: [
          { hostname: "a", addresses: { management: "10.0.0.1" } },
          { hostname: "b", addresses: { management: "10.0.0.1" } },
        ],
      }),
    ).toThrow("nodes[b].addresses.management: 10.0.0.1 is also the management address of a");
    expect(() =>
      hostsFile({
        domain: "x.example",
        nodes: [
          { hostname: "a", addresses: {} },
          { hostname: "a", addresses: {} },
        ],
      }),
    ).toThrow(/two nodes are named a/);
    expect(() =>
      hostsFile({
        domain: "x.example",
        nodes: [{ hostname: "a", addresses: { management: "10.0.0" } }],
      }),
    ).toThrow(/nodes\[a\]\.addresses\.management: "10\.0\.0" is not an IP address/);
    expect(() => hostsFile({ domain: "bad domain", nodes: [] })).toThrow(/settings\.dns\.domain/);
  });
});
