/**
 * provisioning-network on a lab root: the files, their check by the real dnsmasq, idempotence,
 * noop, and node removal that takes exactly the removed node's lines away.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  DNSMASQ_LEASES_PATH,
  provisioningFiles,
  provisioningInputFrom,
} from "../../../domain/release/provisioning/dnsmasq";
import provisioningNetwork, { checkDnsmasqConfig } from "./dnsmasq";
import { provisioningInput, stepRun, withMode } from "./provisioning-testing";

const DNSMASQ = ["/usr/sbin/dnsmasq", "/sbin/dnsmasq", "/usr/bin/dnsmasq"].find((p) =>
  existsSync(p),
);
/** A test that needs the real dnsmasq; skipped, and saying why, where it is not installed. */
function needsDnsmasq(name: string, fn: () => unknown) {
  if (DNSMASQ) it(name, fn);
  else it.skip(`${name} (skipped: dnsmasq is not installed; apt-get install dnsmasq-base)`, fn);
}

const CONF = "etc/dnsmasq.d/cairn-lab-west.conf";
const ETHERS = "etc/cairn/dnsmasq/lab-west/ethers";
const HOSTS = "etc/cairn/dnsmasq/lab-west/hosts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function run(input = provisioningInput(), root?: string) {
  const r = stepRun(input, root);
  if (!root) cleanups.push(r.cleanup);
  return r;
}

const read = (root: string, rel: string) => readFileSync(path.join(root, rel), "utf8");

/** Every file under a folder, relative to it. */
function tree(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? [`${prefix}${e.name}/`, ...tree(path.join(dir, e.name), `${prefix}${e.name}/`)]
      : [`${prefix}${e.name}`],
  );
}

const LEASES = [
  "1764400000 52:54:00:00:00:00 10.20.0.2 lab-0001 *",
  "1764400100 52:54:00:00:00:40 10.20.0.6 lab-0005 01:52:54:00:00:00:40",
  "1764400200 52:54:00:00:00:30 10.20.0.5 lab-0004 *",
  "1764400300 52:54:00:00:00:40 10.20.0.150 * *",
  "1764400400 52:54:00:00:01:99 10.20.0.151 discovery-7 *",
  "",
].join("\n");

describe("provisioning-network step", () => {
  it("writes the cluster's dnsmasq configuration, ethers and hosts files", async () => {
    const input = provisioningInput();
    const { root, ctx, out } = run(input);
    await provisioningNetwork(ctx);
    const expected = provisioningFiles(provisioningInputFrom(input));
    expect(read(root, CONF)).toBe(expected.conf);
    expect(read(root, ETHERS)).toBe(expected.ethers);
    expect(read(root, HOSTS)).toBe(expected.hosts);
    expect(
      read(root, CONF)
        .split("\n")
        .filter((l) => l.startsWith("dhcp-host=")),
    ).toEqual([
      "dhcp-host=52:54:00:00:00:00,10.20.0.2,lab-0001",
      "dhcp-host=52:54:00:00:00:10,10.20.0.3,lab-0002",
      "dhcp-host=52:54:00:00:00:20,10.20.0.4,lab-0003",
      "dhcp-host=52:54:00:00:00:30,10.20.0.5,lab-0004",
      "dhcp-host=52:54:00:00:00:40,10.20.0.6,lab-0005",
      "dhcp-host=52:54:00:00:00:70,10.20.0.7,lab-0008",
    ]);
    expect(read(root, CONF)).toContain(
      "\ninterface=enp33s0f0\nbind-dynamic\ndhcp-authoritative\ndomain=cloud.internal,10.20.0.0/24\ndhcp-range=set:cairn-lab-west,10.20.0.128,10.20.0.254,255.255.255.0,12h\n",
    );
    expect(existsSync(path.join(root, "var/lib/cairn/tftp"))).toBe(true);
    expect(ctx.changes).toEqual([
      { path: `/${CONF}`, change: "created" },
      { path: `/${ETHERS}`, change: "created" },
      { path: `/${HOSTS}`, change: "created" },
    ]);
    expect(out).toContain(
      "lab node: dnsmasq is not managed here; a real node would run: systemctl restart dnsmasq",
    );
  });

  needsDnsmasq("writes a configuration the real dnsmasq accepts", async () => {
    const { root, ctx, out } = run();
    await provisioningNetwork(ctx);
    const r = spawnSync(DNSMASQ as string, ["--test", `--conf-file=${path.join(root, CONF)}`], {
      encoding: "utf8",
    });
    expect(`${r.stderr}${r.stdout}`.trim()).toBe("dnsmasq: syntax check OK.");
    expect(r.status).toBe(0);
    expect(out).toContain("dnsmasq --test: dnsmasq: syntax check OK.");
  });

  needsDnsmasq("refuses a configuration dnsmasq rejects, quoting dnsmasq", () => {
    expect(() => checkDnsmasqConfig(DNSMASQ as string, "dhcp-range=nonsense\n", CONF)).toThrow(
      `the generated dnsmasq configuration /${CONF} is not valid, so nothing was written: dnsmasq: bad dhcp-range at line 1 of /${CONF}`,
    );
  });

  it("changes nothing when run again", async () => {
    const first = run();
    await provisioningNetwork(first.ctx);
    const again = run(provisioningInput(), first.root);
    await provisioningNetwork(again.ctx);
    expect(again.ctx.changes.map((c) => c.change)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(again.out.some((l) => l.includes("systemctl"))).toBe(false);
  });

  it("in noop prints the diff and writes nothing", async () => {
    const { root, ctx, out } = run(withMode(provisioningInput(), "noop"));
    await provisioningNetwork(ctx);
    expect(tree(root)).toEqual([]);
    expect(out).toContain(`would create /${CONF}:`);
    expect(out).toContain("+dhcp-host=52:54:00:00:00:70,10.20.0.7,lab-0008");
    expect(out).toContain(`would create /${ETHERS}:`);
    expect(out).toContain("+52:54:00:00:00:70 10.20.0.7");
    expect(out).toContain("+10.20.0.7 lab-0008.cloud.internal lab-0008");
    expect(out).toContain("would create /var/lib/cairn/tftp/");
  });

  it("removing a node takes exactly its dhcp-host, ethers, hosts and lease lines away", async () => {
    const first = run();
    await provisioningNetwork(first.ctx);
    mkdirSync(path.join(first.root, "var/lib/misc"), { recursive: true });
    writeFileSync(path.join(first.root, DNSMASQ_LEASES_PATH), LEASES);
    const files = Object.fromEntries([CONF, ETHERS, HOSTS].map((f) => [f, read(first.root, f)]));

    const removal = provisioningInput({ kind: "remove-nodes", removed: ["lab-0005"] });
    const preview = run(withMode(removal, "noop"), first.root);
    await provisioningNetwork(preview.ctx);
    const diff = preview.out.filter((l) => /^[-+][^-+]/.test(l));
    expect(diff).toEqual([
      "-1764400100 52:54:00:00:00:40 10.20.0.6 lab-0005 01:52:54:00:00:00:40",
      "-1764400300 52:54:00:00:00:40 10.20.0.150 * *",
      "-dhcp-host=52:54:00:00:00:40,10.20.0.6,lab-0005",
      "-52:54:00:00:00:40 10.20.0.6",
      "-10.20.0.6 lab-0005.cloud.internal lab-0005",
    ]);
    expect(read(first.root, CONF)).toBe(files[CONF]);

    const applied = run(removal, first.root);
    await provisioningNetwork(applied.ctx);
    const without = (text: string, line: string) => text.replace(`${line}\n`, "");
    expect(read(first.root, CONF)).toBe(
      without(files[CONF]!, "dhcp-host=52:54:00:00:00:40,10.20.0.6,lab-0005"),
    );
    expect(read(first.root, ETHERS)).toBe(without(files[ETHERS]!, "52:54:00:00:00:40 10.20.0.6"));
    expect(read(first.root, HOSTS)).toBe(
      without(files[HOSTS]!, "10.20.0.6 lab-0005.cloud.internal lab-0005"),
    );
    expect(read(first.root, DNSMASQ_LEASES_PATH)).toBe(
      [
        "1764400000 52:54:00:00:00:00 10.20.0.2 lab-0001 *",
        "1764400200 52:54:00:00:00:30 10.20.0.5 lab-0004 *",
        "1764400400 52:54:00:00:01:99 10.20.0.151 discovery-7 *",
        "",
      ].join("\n"),
    );

    const again = run(removal, first.root);
    await provisioningNetwork(again.ctx);
    expect(again.ctx.changes.map((c) => c.change)).toEqual(["unchanged", "unchanged", "unchanged"]);
  });

  it("runs only on the region's provisioning node", async () => {
    const { root, ctx } = run(provisioningInput({ node: "lab-0002" }));
    await expect(provisioningNetwork(ctx)).rejects.toThrow(
      "lab-0002 is not the region's provisioning node: this step runs only there (graph selector provisioningNode)",
    );
    expect(tree(root)).toEqual([]);
  });

  it("names the setting at fault and writes nothing", async () => {
    const input = provisioningInput({
      settings: { dhcp: { start: "10.20.0.128", end: "10.21.0.10" } },
    });
    const { root, ctx } = run(input);
    await expect(provisioningNetwork(ctx)).rejects.toThrow(
      'settings.dhcp.end: "10.21.0.10" is not an address inside the provisioning network 10.20.0.0/24: set the DHCP range in the cluster\'s settings',
    );
    expect(tree(root)).toEqual([]);
  });
});
