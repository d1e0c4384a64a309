import { describe, expect, it } from "vitest";
import type { Network } from "../../model";
import type { Peer, StepContract } from "../contract";
import {
  CEPH_SPEC_PATH,
  cephSpecFile,
  cephSpecs,
  cephadmCommand,
  monIpOf,
  readCephSpecFile,
} from "./cephadm";
import {
  KOLLA_SERVICE_GROUPS,
  kollaCommands,
  kollaGlobals,
  kollaGlobalsFile,
  kollaInventoryFile,
  kollaInventorySchema,
  parseInventory,
  readKollaGlobals,
} from "./kolla";
import {
  controlPlaneEndpoint,
  joinConfigurationFile,
  kubeadmJoinCommand,
  readJoinConfiguration,
} from "./kubeadm";
import {
  endpoint,
  externalInterface,
  interfaceOn,
  serviceTopology,
  stableNumber,
  vipOf,
} from "./topology";

const HEADER = "# Managed by Cairn: local changes are overwritten on the next deploy.";

function net(n: Partial<Network> & Pick<Network, "name" | "cidr">): Network {
  return { vlan: null, mtu: 1500, ranges: [], vips: [], ...n };
}

const networks: Network[] = [
  net({
    name: "management",
    cidr: "10.1.0.0/24",
    vips: [{ name: "internal", address: "10.1.0.10" }],
  }),
  net({ name: "storage", cidr: "10.2.0.0/24", vlan: 20 }),
  net({ name: "public", cidr: "192.0.2.0/24", vips: [{ name: "public", address: "192.0.2.10" }] }),
  net({ name: "tenant", cidr: "10.3.0.0/24", vlan: 30 }),
];

function peer(hostname: string, roles: string[], n: number): Peer {
  return {
    id: hostname,
    hostname,
    roles,
    addresses: { management: `10.1.0.${n}`, storage: `10.2.0.${n}` },
    provisioningNode: false,
  };
}

const peers: Peer[] = [
  peer("cmp-1", ["compute"], 21),
  peer("ctl-10", ["controller"], 13),
  peer("ctl-2", ["controller"], 12),
  peer("ctl-1", ["controller"], 11),
  peer("sto-1", ["storage"], 31),
  peer("lvm-1", ["storage-lvm"], 41),
];
const topology = serviceTopology(peers);
const cluster = { id: "c-1", name: "Edge" };
const interfaces = { network: "eno1", tunnel: "eno1.30", external: "eno2" };

describe("serviceTopology", () => {
  it("groups nodes by the services their roles carry and picks where each tool runs", () => {
    const names = (list: { hostname: string }[]) => list.map((n) => n.hostname);
    expect(names(topology.nodes)).toEqual(["cmp-1", "ctl-1", "ctl-2", "ctl-10", "lvm-1", "sto-1"]);
    expect(names(topology.control)).toEqual(["ctl-1", "ctl-2", "ctl-10"]);
    expect(names(topology.network)).toEqual(["ctl-1", "ctl-2", "ctl-10"]);
    expect(names(topology.compute)).toEqual(["cmp-1"]);
    expect(names(topology.storage)).toEqual(["lvm-1", "sto-1"]);
    expect(names(topology.cephOsd)).toEqual(["sto-1"]);
    expect(names(topology.kubeWorkers)).toEqual(["cmp-1"]);
    expect(topology.kollaNode?.hostname).toBe("ctl-1");
    expect(topology.cephadmNode?.hostname).toBe("ctl-1");
  });

  it("leaves removed nodes out", () => {
    const without = serviceTopology(peers, [{ id: "ctl-1" }]);
    expect(without.kollaNode?.hostname).toBe("ctl-2");
    expect(without.control.map((n) => n.hostname)).toEqual(["ctl-2", "ctl-10"]);
  });

  it("finds VIPs by name, endpoints and stable numbers", () => {
    expect(vipOf(networks, "management", ["kubernetes", "internal"])).toBe("10.1.0.10");
    expect(vipOf(networks, "public", ["nope"])).toBe("192.0.2.10");
    expect(vipOf(networks, "storage", ["internal"])).toBeUndefined();
    expect(endpoint("10.1.0.10", 6443)).toBe("10.1.0.10:6443");
    expect(endpoint("fd00::10", 6443)).toBe("[fd00::10]:6443");
    expect(stableNumber("c-1", 254)).toBe(stableNumber("c-1", 254));
    expect(stableNumber("c-1", 254)).not.toBe(stableNumber("c-2", 254));
  });
});

describe("node interfaces", () => {
  const node = {
    id: "ctl-1",
    hostname: "ctl-1",
    roles: ["controller"],
    addresses: { management: "10.1.0.11" },
    provisioningNode: false,
    provisioningMac: "52:54:00:00:00:01",
    hardware: {
      cpu: {
        model: "x",
        arch: "x86_64",
        sockets: 1,
        cores: 8,
        threads: 8,
        flags: [],
        virtualization: "vmx",
      },
      memoryBytes: 1,
      disks: [{ name: "sda", sizeBytes: 1, type: "ssd", rotational: false, removable: false }],
      nics: [
        { name: "eno1", mac: "52:54:00:00:00:01", addresses: [], removable: false },
        { name: "eno2", mac: "52:54:00:00:00:02", addresses: [] },
      ],
    },
  } as unknown as StepContract["node"];

  it("uses the boot NIC with each network's VLAN, and a free NIC for external networks", () => {
    expect(interfaceOn(node, networks, "management")).toBe("eno1");
    expect(interfaceOn(node, networks, "tenant")).toBe("eno1.30");
    expect(interfaceOn(node, networks, "pod")).toBeUndefined();
    expect(externalInterface(node, networks)).toBe("eno2");
    const single = { ...node, hardware: { ...node.hardware, nics: [node.hardware.nics[0]!] } };
    expect(externalInterface(single, networks)).toBeUndefined();
    const tagged = networks.map((n) => (n.name === "public" ? { ...n, vlan: 40 } : n));
    expect(externalInterface(single, tagged)).toBe("eno1.40");
  });
});

describe("kolla-ansible", () => {
  it("writes globals.yml with the VIPs, interfaces and storage backends", () => {
    const text = kollaGlobalsFile({ cluster, networks, topology, interfaces });
    const id = stableNumber("c-1", 254) + 1;
    expect(text).toBe(
      [
        "---",
        HEADER,
        "# kolla-ansible globals of cluster Edge (c-1).",
        "# openstack_release is left to the installed kolla-ansible, so images always match its playbooks.",
        'kolla_base_distro: "ubuntu"',
        'kolla_container_engine: "podman"',
        'kolla_internal_vip_address: "10.1.0.10"',
        'kolla_external_vip_address: "192.0.2.10"',
        `keepalived_virtual_router_id: ${id}`,
        'network_interface: "eno1"',
        'tunnel_interface: "eno1.30"',
        'neutron_external_interface: "eno2"',
        'neutron_plugin_agent: "openvswitch"',
        'enable_haproxy: "yes"',
        'enable_keepalived: "yes"',
        'enable_neutron_provider_networks: "yes"',
        'enable_cinder: "yes"',
        'enable_cinder_backend_lvm: "yes"',
        'cinder_volume_group: "cinder-volumes"',
        'glance_backend_ceph: "yes"',
        'cinder_backend_ceph: "yes"',
        'nova_backend_ceph: "yes"',
        'nova_compute_virt_type: "kvm"',
        'nova_compute_extra_volumes: ["/etc/nova/nova.conf.d:/etc/nova/nova.conf.d:ro"]',
        'node_custom_config: "/etc/kolla/config"',
        "",
      ].join("\n"),
    );
    expect(readKollaGlobals(text).keepalived_virtual_router_id).toBe(id);
  });

  it("runs a single controller without HAProxy, at its own address", () => {
    const one = serviceTopology([
      peer("ctl-1", ["controller"], 11),
      peer("cmp-1", ["compute"], 21),
    ]);
    const bare = networks.map((n) => ({ ...n, vips: [] }));
    const globals = kollaGlobals({
      cluster,
      networks: bare,
      topology: one,
      interfaces: { network: "eno1" },
    });
    expect(globals).toMatchObject({
      kolla_internal_vip_address: "10.1.0.11",
      enable_haproxy: "no",
      enable_keepalived: "no",
      enable_neutron_provider_networks: "no",
      enable_cinder: "no",
      glance_backend_ceph: "no",
    });
    expect(globals).not.toHaveProperty("kolla_external_vip_address");
  });

  it("asks for a VIP when several controllers share the APIs", () => {
    const bare = networks.map((n) => ({ ...n, vips: [] }));
    expect(() => kollaGlobals({ cluster, networks: bare, topology, interfaces })).toThrow(
      "cluster.networks[management].vips: 3 controllers share the OpenStack APIs through a virtual IP: add one to the management network",
    );
  });

  it("writes an inventory whose host groups come from the roles, reachable at management addresses", () => {
    const text = kollaInventoryFile({
      cluster,
      topology,
      hostVars: { "cmp-1": { network_interface: "enp1s0" } },
    });
    expect(text.split("\n[tls-backend:children]")[0]).toBe(
      [
        HEADER,
        "# kolla-ansible inventory of cluster Edge (c-1).",
        "# Host groups come from the nodes' roles; the service groups below them are kolla-ansible's layout.",
        "",
        "[control]",
        "ctl-1 ansible_host=10.1.0.11",
        "ctl-2 ansible_host=10.1.0.12",
        "ctl-10 ansible_host=10.1.0.13",
        "",
        "[network]",
        "ctl-1 ansible_host=10.1.0.11",
        "ctl-2 ansible_host=10.1.0.12",
        "ctl-10 ansible_host=10.1.0.13",
        "",
        "[compute]",
        "cmp-1 ansible_host=10.1.0.21 network_interface=enp1s0",
        "",
        "[monitoring]",
        "ctl-1 ansible_host=10.1.0.11",
        "ctl-2 ansible_host=10.1.0.12",
        "ctl-10 ansible_host=10.1.0.13",
        "",
        "[storage]",
        "lvm-1 ansible_host=10.1.0.41",
        "sto-1 ansible_host=10.1.0.31",
        "",
        "[deployment]",
        "localhost ansible_connection=local",
        "",
        "[baremetal:children]",
        "control",
        "network",
        "compute",
        "storage",
        "monitoring",
        "",
      ].join("\n"),
    );
    const groups = kollaInventorySchema.parse(parseInventory(text));
    expect(Object.keys(groups)).toHaveLength(7 + KOLLA_SERVICE_GROUPS.length);
    expect(groups["nova-api"]).toEqual({ hosts: {}, children: ["nova"] });
    expect(groups["cinder-volume"]?.children).toEqual(["storage"]);
  });

  it("refuses an inventory that names a group it does not define", () => {
    const broken = `${kollaInventoryFile({ cluster, topology })}\n[extra:children]\nnowhere\n`;
    const result = kollaInventorySchema.safeParse(parseInventory(broken));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      "extra names the group nowhere, which does not exist",
    ]);
  });

  it("deploys with bootstrap-servers, prechecks and deploy", () => {
    expect(kollaCommands().map((c) => c.join(" "))).toEqual([
      "kolla-ansible bootstrap-servers -i /etc/cairn/deploy/kolla/multinode --configdir /etc/cairn/deploy/kolla",
      "kolla-ansible prechecks -i /etc/cairn/deploy/kolla/multinode --configdir /etc/cairn/deploy/kolla",
      "kolla-ansible deploy -i /etc/cairn/deploy/kolla/multinode --configdir /etc/cairn/deploy/kolla",
    ]);
  });
});

describe("cephadm", () => {
  it("writes host, monitor, manager and OSD specifications", () => {
    const text = cephSpecFile({ cluster, networks, topology });
    expect(text).toBe(
      [
        HEADER,
        "# cephadm service specifications of cluster Edge (c-1).",
        "---",
        "service_type: host",
        "hostname: ctl-1",
        "addr: 10.1.0.11",
        "labels:",
        "  - _admin",
        "  - mon",
        "  - mgr",
        "---",
        "service_type: host",
        "hostname: ctl-2",
        "addr: 10.1.0.12",
        "labels:",
        "  - _admin",
        "  - mon",
        "  - mgr",
        "---",
        "service_type: host",
        "hostname: ctl-10",
        "addr: 10.1.0.13",
        "labels:",
        "  - _admin",
        "  - mon",
        "  - mgr",
        "---",
        "service_type: host",
        "hostname: sto-1",
        "addr: 10.1.0.31",
        "labels:",
        "  - osd",
        "---",
        "service_type: mon",
        "placement:",
        "  hosts:",
        "    - ctl-1",
        "    - ctl-2",
        "    - ctl-10",
        "networks:",
        "  - 10.2.0.0/24",
        "---",
        "service_type: mgr",
        "placement:",
        "  hosts:",
        "    - ctl-1",
        "    - ctl-2",
        "    - ctl-10",
        "---",
        "service_type: osd",
        "service_id: cairn-data-100g",
        "placement:",
        "  hosts:",
        "    - sto-1",
        "spec:",
        "  data_devices:",
        '    size: "100G:"',
        "  objectstore: bluestore",
        "  filter_logic: AND",
        "",
      ].join("\n"),
    );
    expect(readCephSpecFile(text)).toEqual(cephSpecs({ cluster, networks, topology }));
  });

  it("quotes host names a YAML 1.1 reader would take for booleans", () => {
    const odd = serviceTopology([peer("ctl-1", ["controller"], 11), peer("no", ["storage"], 31)]);
    const text = cephSpecFile({ cluster, networks, topology: odd });
    expect(text).toContain('hostname: "no"');
    expect(readCephSpecFile(text).find((s) => s.service_type === "osd")).toMatchObject({
      placement: { hosts: ["no"] },
    });
  });

  it("bootstraps a new cluster and applies to a running one", () => {
    const first = topology.cephadmNode!;
    expect(monIpOf(first)).toBe("10.2.0.11");
    expect(cephadmCommand(false, "10.2.0.11").join(" ")).toBe(
      `cephadm bootstrap --mon-ip 10.2.0.11 --apply-spec /${CEPH_SPEC_PATH}`,
    );
    expect(cephadmCommand(true, "10.2.0.11").join(" ")).toBe(
      `cephadm shell --mount /${CEPH_SPEC_PATH}:/mnt/cairn/cluster.yaml -- ceph orch apply -i /mnt/cairn/cluster.yaml`,
    );
  });

  it("asks for monitors when there are OSDs", () => {
    const noMon = serviceTopology([peer("sto-1", ["storage"], 31)]);
    expect(() => cephSpecs({ cluster, networks, topology: noMon })).toThrow(
      /^nodes: the cluster has Ceph OSD nodes but no node carries ceph-mon/,
    );
  });
});

describe("kubeadm", () => {
  const secrets = {
    token: "abcdef.0123456789abcdef",
    caCertHashes: [`sha256:${"ab".repeat(32)}`],
  };

  it("joins a worker through the control-plane VIP", () => {
    const node = topology.kubeWorkers[0]!;
    const text = joinConfigurationFile({ node, topology, networks, secrets });
    expect(text).toBe(
      [
        HEADER,
        "# kubeadm join configuration of cmp-1.",
        "apiVersion: kubeadm.k8s.io/v1beta4",
        "kind: JoinConfiguration",
        "discovery:",
        "  bootstrapToken:",
        "    apiServerEndpoint: 10.1.0.10:6443",
        "    token: abcdef.0123456789abcdef",
        "    caCertHashes:",
        `      - sha256:${"ab".repeat(32)}`,
        "nodeRegistration:",
        "  name: cmp-1",
        "  criSocket: unix:///run/containerd/containerd.sock",
        "  kubeletExtraArgs:",
        "    - name: node-ip",
        "      value: 10.1.0.21",
        "",
      ].join("\n"),
    );
    expect(readJoinConfiguration(text).discovery.bootstrapToken.token).toBe(secrets.token);
    expect(kubeadmJoinCommand().join(" ")).toBe(
      "kubeadm join --config /etc/cairn/deploy/kubernetes/join.yaml",
    );
  });

  it("uses the only control-plane node without a VIP, and refuses several without one", () => {
    const bare = networks.map((n) => ({ ...n, vips: [] }));
    const one = serviceTopology([
      peer("ctl-1", ["controller"], 11),
      peer("cmp-1", ["compute"], 21),
    ]);
    expect(controlPlaneEndpoint(one, bare)).toBe("10.1.0.11:6443");
    expect(() => controlPlaneEndpoint(topology, bare)).toThrow(
      "cluster.networks[management].vips: 3 Kubernetes control-plane nodes need one endpoint: add a virtual IP to the management network",
    );
  });

  it("refuses a malformed token", () => {
    const node = topology.kubeWorkers[0]!;
    expect(() =>
      joinConfigurationFile({
        node,
        topology,
        networks,
        secrets: { ...secrets, token: "not-a-token" },
      }),
    ).toThrow(/a bootstrap token like abcdef\.0123456789abcdef/);
  });
});
