/**
 * `collectd.conf` for a monitored node (Debian's collectd-core layout: `/etc/collectd/collectd.conf`,
 * plugins in `/usr/lib/collectd`). Pure: the step and the tests build the same text.
 *
 * collectd reads CPU, memory, swap, load, uptime, disks, file systems (pseudo and container file
 * systems left out) and interfaces (loopback and virtual machine/container interfaces left out),
 * and sends the values to the collectd network servers in the pack's settings — a central collectd,
 * InfluxDB's collectd input or Prometheus' collectd_exporter all speak that protocol.
 */
import { managedHeader } from "../../../../domain/release/host/managed";

export const COLLECTD_CONF_PATH = "etc/collectd/collectd.conf";
/** collectd's network protocol port, used when a server names none. */
export const COLLECTD_PORT = 25826;

export interface MonitoringSettings {
  interval: number;
  servers: string[];
}

export interface CollectdInput {
  hostname: string;
  settings: MonitoringSettings;
  /** Written into the header, so that an operator reading the file knows where it comes from. */
  pack: { id: string; version: string };
}

/** A setting the file cannot be built from; `field` is its path in the cluster's settings. */
export class MonitoringConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "MonitoringConfigError";
  }
}

const HOST = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::([0-9]{1,5}))?$/;
const NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `host`, `host:port`, `[v6]` or `[v6]:port` → host and port, checked. */
export function parseServer(text: string, field: string): { host: string; port: number } {
  const m = HOST.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? COLLECTD_PORT : Number(m[3]);
  const v6 = m?.[1] !== undefined;
  const valid =
    host !== undefined &&
    (v6 ? host.includes(":") : IPV4.test(host) || (NAME.test(host) && !/^[\d.]+$/.test(host)));
  if (!valid)
    throw new MonitoringConfigError(
      field,
      `"${text}" is not a host: give an IPv4 address (10.0.0.5), an IPv6 address in brackets ([fd00::5]) or a host name (metrics.example.com), optionally followed by :port`,
    );
  if (port < 1 || port > 65535)
    throw new MonitoringConfigError(field, `port ${port} of "${text}" is outside 1–65535`);
  return { host, port };
}

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function collectdConf(input: CollectdInput): string {
  const { interval, servers } = input.settings;
  if (!Number.isInteger(interval) || interval < 1 || interval > 3600)
    throw new MonitoringConfigError(
      "settings.packs.monitoring-agent.interval",
      `${interval} is not a whole number of seconds between 1 and 3600`,
    );
  const targets = servers.map((s, i) =>
    parseServer(s, `settings.packs.monitoring-agent.servers[${i}]`),
  );
  const sends =
    targets.length === 0
      ? ["No server is set (packs.monitoring-agent.servers): metrics are read but not sent."]
      : [`Sends them to ${targets.map((t) => `${t.host}:${t.port}`).join(", ")}.`];
  const lines = [
    managedHeader([
      `collectd for ${input.hostname}, from content pack ${input.pack.id} ${input.pack.version}.`,
      `Reads CPU, memory, swap, load, uptime, disks, file systems and interfaces every ${interval} s.`,
      ...sends,
    ]),
    "",
    `Hostname ${quote(input.hostname)}`,
    "FQDNLookup false",
    `Interval ${interval}`,
    "",
    "LoadPlugin syslog",
    "<Plugin syslog>",
    "  LogLevel info",
    "</Plugin>",
    "",
    ...["cpu", "memory", "swap", "load", "uptime", "disk", "df", "interface"].map(
      (p) => `LoadPlugin ${p}`,
    ),
    "",
    "<Plugin df>",
    ...["tmpfs", "devtmpfs", "overlay", "squashfs", "proc", "sysfs", "cgroup2"].map(
      (fs) => `  FSType ${quote(fs)}`,
    ),
    "  IgnoreSelected true",
    "</Plugin>",
    "",
    "<Plugin interface>",
    ...["lo", "/^veth/", "/^tap/", "/^qvo/", "/^qvb/", "/^qbr/"].map(
      (i) => `  Interface ${quote(i)}`,
    ),
    "  IgnoreSelected true",
    "</Plugin>",
  ];
  if (targets.length > 0)
    lines.push(
      "",
      "LoadPlugin network",
      "<Plugin network>",
      ...targets.map((t) => `  Server ${quote(t.host)} ${quote(String(t.port))}`),
      "</Plugin>",
    );
  return `${lines.join("\n")}\n`;
}
