/**
 * The role catalog of the built-in release, as data the browser and the server can import without
 * reading files. releases/cairn-2026.1/roles.yaml is the source of truth; catalog.test.ts fails when
 * the two differ.
 */
import { loadRoleCatalog } from "./catalog";
import type { RoleCatalog } from "./schema";

export const BUILTIN_RELEASE_ID = "cairn-2026.1";

export const builtinCatalog: RoleCatalog = loadRoleCatalog({
  services: [
    {
      name: "openstack-control",
      description: {
        en: "OpenStack API and schedulers (Keystone, Glance, Nova API/scheduler/conductor, Placement, Neutron server, Cinder API, Horizon) behind HAProxy and keepalived",
        "zh-CN":
          "OpenStack API 与调度服务（Keystone、Glance、Nova API/调度/Conductor、Placement、Neutron Server、Cinder API、Horizon），由 HAProxy 和 keepalived 提供高可用",
      },
      limits: {
        min: 1,
        recommended: 3,
        max: 7,
        odd: true,
      },
      hardware: {
        cores: 4,
        memoryGiB: 16,
        installDiskGB: 200,
      },
      faultTolerance: 1,
    },
    {
      name: "mariadb-galera",
      description: {
        en: "MariaDB Galera cluster holding the OpenStack databases (quorum of members)",
        "zh-CN": "保存 OpenStack 数据库的 MariaDB Galera 集群（按多数派仲裁）",
      },
      limits: {
        odd: true,
        max: 7,
      },
      hardware: {
        cores: 2,
        memoryGiB: 8,
      },
      faultTolerance: 1,
    },
    {
      name: "rabbitmq",
      description: {
        en: "RabbitMQ message queue for OpenStack RPC (quorum queues)",
        "zh-CN": "OpenStack RPC 使用的 RabbitMQ 消息队列（仲裁队列）",
      },
      limits: {
        odd: true,
      },
      hardware: {
        cores: 1,
        memoryGiB: 4,
      },
      faultTolerance: 1,
    },
    {
      name: "ceph-mon",
      description: {
        en: "Ceph monitor: keeps the cluster map by Paxos quorum",
        "zh-CN": "Ceph Monitor：通过 Paxos 仲裁维护集群映射",
      },
      limits: {
        recommended: 3,
        max: 5,
        odd: true,
      },
      hardware: {
        cores: 1,
        memoryGiB: 4,
      },
      faultTolerance: 1,
    },
    {
      name: "ceph-mgr",
      description: {
        en: "Ceph manager: metrics, orchestration and the dashboard (active/standby)",
        "zh-CN": "Ceph Manager：监控指标、编排与管理面板（主备模式）",
      },
      hardware: {
        cores: 1,
        memoryGiB: 2,
      },
      faultTolerance: 2,
    },
    {
      name: "neutron-l3",
      description: {
        en: "Neutron L3, DHCP and metadata agents: virtual routers, floating IPs and SNAT (VRRP high availability)",
        "zh-CN": "Neutron L3、DHCP 与元数据代理：虚拟路由器、浮动 IP 与 SNAT（VRRP 高可用）",
      },
      hardware: {
        cores: 2,
        memoryGiB: 4,
      },
      faultTolerance: 1,
    },
    {
      name: "kube-control-plane",
      description: {
        en: "Kubernetes control plane with its etcd member (quorum of members)",
        "zh-CN": "Kubernetes 控制平面及其 etcd 成员（按多数派仲裁）",
      },
      limits: {
        odd: true,
        max: 7,
      },
      hardware: {
        cores: 2,
        memoryGiB: 4,
      },
      faultTolerance: 1,
    },
    {
      name: "nova-compute",
      description: {
        en: "Nova compute with libvirt/KVM: runs virtual machines",
        "zh-CN": "Nova Compute（libvirt/KVM）：运行虚拟机",
      },
      hardware: {
        cores: 2,
        memoryGiB: 8,
        installDiskGB: 200,
        virtualization: true,
      },
      faultTolerance: 2,
    },
    {
      name: "kube-worker",
      description: {
        en: "Kubernetes worker: kubelet and container runtime for cloud services and tenant clusters",
        "zh-CN": "Kubernetes 工作节点：kubelet 与容器运行时，承载云服务和租户集群",
      },
      hardware: {
        cores: 1,
        memoryGiB: 4,
      },
      faultTolerance: 2,
    },
    {
      name: "ceph-osd",
      description: {
        en: "Ceph OSD daemons, one per whole data disk",
        "zh-CN": "Ceph OSD 守护进程，每块整盘数据盘一个",
      },
      hardware: {
        cores: 1,
        memoryGiB: 4,
        installDiskGB: 100,
        dataDisks: 1,
        dataDiskGB: 100,
      },
      faultTolerance: 1,
    },
    {
      name: "cinder-volume-lvm",
      description: {
        en: "Cinder volume service on local LVM (block storage without Ceph); it takes the data disks as an LVM volume group",
        "zh-CN": "基于本地 LVM 的 Cinder 卷服务（不使用 Ceph 的块存储）；数据盘被组成 LVM 卷组",
      },
      conflicts: ["ceph-osd"],
      hardware: {
        cores: 1,
        memoryGiB: 2,
        installDiskGB: 100,
        dataDisks: 1,
        dataDiskGB: 100,
      },
      faultTolerance: 0,
    },
  ],
  roles: [
    {
      name: "controller",
      description: {
        en: "Control plane: OpenStack APIs, databases, message queue, Ceph monitors, network agents and the Kubernetes control plane",
        "zh-CN":
          "控制平面：OpenStack API、数据库、消息队列、Ceph Monitor、网络代理和 Kubernetes 控制平面",
      },
      group: "base",
      weight: 10,
      services: [
        "openstack-control",
        "mariadb-galera",
        "rabbitmq",
        "ceph-mon",
        "ceph-mgr",
        "neutron-l3",
        "kube-control-plane",
      ],
      conflicts: ["controller-hci"],
      hardware: {
        cores: 16,
        memoryGiB: 64,
        installDiskGB: 200,
      },
      containersGiB: 100,
      tags: ["control-plane", "quorum"],
    },
    {
      name: "compute",
      description: {
        en: "Hypervisor: runs virtual machines and Kubernetes workloads",
        "zh-CN": "计算节点：运行虚拟机和 Kubernetes 工作负载",
      },
      group: "base",
      weight: 20,
      services: ["nova-compute", "kube-worker"],
      conflicts: ["hci", "controller-hci"],
      hardware: {
        cores: 8,
        memoryGiB: 32,
        installDiskGB: 200,
        virtualization: true,
      },
      containersGiB: 50,
      tags: ["hypervisor"],
    },
    {
      name: "storage",
      description: {
        en: "Ceph storage: every unused data disk becomes an OSD",
        "zh-CN": "Ceph 存储节点：每块未使用的数据盘成为一个 OSD",
      },
      group: "storage",
      weight: 30,
      services: ["ceph-osd"],
      conflicts: ["hci", "controller-hci", "storage-lvm"],
      hardware: {
        cores: 4,
        memoryGiB: 16,
        installDiskGB: 100,
        dataDisks: 1,
        dataDiskGB: 100,
      },
      containersGiB: 30,
      tags: ["ceph"],
    },
    {
      name: "network",
      description: {
        en: "Dedicated network node: virtual routers, floating IPs and SNAT move off the controllers",
        "zh-CN": "独立网络节点：将虚拟路由器、浮动 IP 与 SNAT 从控制节点迁出",
      },
      group: "other",
      weight: 40,
      services: ["neutron-l3"],
      conflicts: ["controller-hci"],
      limits: {
        recommended: 2,
        overrides: [
          {
            when: {
              ha: false,
            },
            recommended: 1,
            message: {
              en: "With HA off one network node is accepted; routers stop while it is down.",
              "zh-CN": "关闭高可用时允许只有一个网络节点；该节点宕机期间路由将中断。",
            },
          },
        ],
      },
      hardware: {
        cores: 4,
        memoryGiB: 16,
        installDiskGB: 100,
      },
      containersGiB: 30,
      tags: ["network"],
    },
    {
      name: "hci",
      description: {
        en: "Hyperconverged node: compute and Ceph storage on the same server",
        "zh-CN": "超融合节点：同一台服务器同时提供计算和 Ceph 存储",
      },
      group: "base",
      weight: 25,
      services: ["nova-compute", "kube-worker", "ceph-osd"],
      conflicts: ["compute", "storage", "controller-hci", "storage-lvm"],
      limits: {
        overrides: [
          {
            when: {
              kind: "split",
            },
            max: 0,
            message: {
              en: "A split cluster keeps compute and storage on separate nodes; switch the cluster to hyperconverged or use the compute and storage roles.",
              "zh-CN":
                "分离式集群要求计算和存储位于不同节点；请将集群改为超融合类型，或改用计算和存储角色。",
            },
          },
        ],
      },
      hardware: {
        cores: 16,
        memoryGiB: 64,
        installDiskGB: 200,
        dataDisks: 1,
        dataDiskGB: 100,
        virtualization: true,
      },
      containersGiB: 80,
      tags: ["hypervisor", "ceph", "hyperconverged"],
    },
    {
      name: "controller-hci",
      description: {
        en: "All-in-one node: controller, compute and Ceph storage on the same server",
        "zh-CN": "一体化节点：同一台服务器同时承担控制、计算和 Ceph 存储",
      },
      group: "base",
      weight: 5,
      services: [
        "openstack-control",
        "mariadb-galera",
        "rabbitmq",
        "ceph-mon",
        "ceph-mgr",
        "neutron-l3",
        "kube-control-plane",
        "nova-compute",
        "kube-worker",
        "ceph-osd",
      ],
      conflicts: ["*"],
      limits: {
        overrides: [
          {
            when: {
              kind: "split",
            },
            max: 0,
            message: {
              en: "A split cluster keeps controllers apart from compute and storage; switch the cluster to hyperconverged or use the controller role.",
              "zh-CN":
                "分离式集群要求控制节点与计算、存储分开；请将集群改为超融合类型，或改用控制角色。",
            },
          },
        ],
      },
      hardware: {
        cores: 24,
        memoryGiB: 128,
        installDiskGB: 200,
        dataDisks: 1,
        dataDiskGB: 100,
        virtualization: true,
      },
      containersGiB: 150,
      tags: ["control-plane", "quorum", "hypervisor", "ceph", "hyperconverged", "all-in-one"],
    },
    {
      name: "storage-lvm",
      description: {
        en: "Block storage on local LVM (Cinder), for clusters or sites without Ceph",
        "zh-CN": "基于本地 LVM 的块存储（Cinder），用于不使用 Ceph 的集群或站点",
      },
      group: "storage",
      weight: 35,
      services: ["cinder-volume-lvm"],
      conflicts: ["storage", "hci", "controller-hci"],
      hardware: {
        cores: 4,
        memoryGiB: 16,
        installDiskGB: 100,
        dataDisks: 1,
        dataDiskGB: 100,
      },
      containersGiB: 30,
      tags: ["block-storage"],
    },
  ],
});
