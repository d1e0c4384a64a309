import { describe, expect, it } from "vitest";
import { resolvConf } from "./resolv";

const HEADER = `# Managed by Cairn: local changes are overwritten on the next deploy.
# Resolver of this node: the cluster's DNS domain and nameservers (settings.dns).
`;

describe("resolvConf", () => {
  it("writes the search domain and the nameservers in order", () => {
    expect(resolvConf({ servers: ["10.0.0.53", "10.0.0.54"], domain: "cloud.example.com" })).toBe(
      `${HEADER}
search cloud.example.com
nameserver 10.0.0.53
nameserver 10.0.0.54
`,
    );
  });

  it("lists three nameservers and says which ones the resolver would ignore", () => {
    const text = resolvConf({
      servers: ["10.0.0.53", "fd00::53", "10.0.0.54", "10.0.0.55", "10.0.0.56"],
      domain: "cloud.example.com",
    });
    expect(text).toBe(`${HEADER}
search cloud.example.com
nameserver 10.0.0.53
nameserver fd00::53
nameserver 10.0.0.54
# Not listed: 10.0.0.55, 10.0.0.56. The resolver reads only the first 3 nameservers;
# keep at most 3 in the cluster's DNS settings.
`);
  });

  it("writes IPv6 servers canonically and drops repeats before counting", () => {
    const text = resolvConf({
      servers: ["FD00:0:0::53", "fd00::53", "2001:db8::53", "10.0.0.53"],
      domain: "",
    });
    expect(text).toBe(`${HEADER}
nameserver fd00::53
nameserver 2001:db8::53
nameserver 10.0.0.53
`);
  });

  it("says that only /etc/hosts resolves when no server is set", () => {
    expect(resolvConf({ servers: [], domain: "cloud.example.com" })).toContain(
      "search cloud.example.com\n# No DNS server is set (settings.dns.servers): only the names in /etc/hosts resolve.\n",
    );
  });

  it("refuses a name where an address belongs, and a bad domain, naming the field", () => {
    expect(() =>
      resolvConf({ servers: ["10.0.0.53", "dns.example.com"], domain: "x.example" }),
    ).toThrow(/^settings\.dns\.servers\[1\]: "dns\.example\.com" is not an IP address/);
    expect(() => resolvConf({ servers: [], domain: "cloud example.com" })).toThrow(
      /^settings\.dns\.domain: /,
    );
  });
});
