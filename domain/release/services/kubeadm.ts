/**
 * kubeadm's input on a Kubernetes worker: a `JoinConfiguration` (kubeadm.k8s.io/v1beta4) that
 * joins the node through the control-plane endpoint with token discovery, pinned to the cluster
 * CA's public-key hash.
 *
 * The endpoint is the management network's Kubernetes VIP, else its OpenStack VIP (keepalived
 * moves it between the controllers, which all run an API server on 6443), else — a single
 * control-plane node — that node's management address.
 *
 * The bootstrap token and CA hash are secrets the step input does not carry yet (see
 * `kubeadmJoinSecretsSchema`); the step reads them from the node. Pure.
 */
import { parse as parseYaml, stringify } from "yaml";
import { z } from "zod";
import { RFC1123_LABEL, type Network } from "../../model";
import { HostConfigError, managedHeader } from "../host/managed";
import {
  DEPLOY_DIR,
  addressOf,
  endpoint,
  vipOf,
  type ServiceNode,
  type ServiceTopology,
} from "./topology";

export const KUBE_DIR = `${DEPLOY_DIR}/kubernetes`;
export const KUBEADM_JOIN_PATH = `${KUBE_DIR}/join.yaml`;
/** Where the node finds the join secrets until the step input carries them (mode 0600, JSON). */
export const KUBEADM_SECRETS_PATH = "etc/cairn/secrets/kubeadm-join.json";
/** Present once kubelet has joined a cluster: `kubeadm join` is not run twice. */
export const KUBELET_CONF_PATH = "etc/kubernetes/kubelet.conf";
export const API_SERVER_PORT = 6443;
export const CRI_SOCKET = "unix:///run/containerd/containerd.sock";
export const KUBE_VIP_NAMES = [
  "kubernetes",
  "kube-apiserver",
  "internal",
  "openstack",
  "api",
] as const;

const token = z
  .string()
  .regex(/^[a-z0-9]{6}\.[a-z0-9]{16}$/, "a bootstrap token like abcdef.0123456789abcdef");
const caCertHash = z.string().regex(/^sha256:[0-9a-f]{64}$/, "sha256: and 64 hex digits");

export const kubeadmJoinSecretsSchema = z.strictObject({
  token,
  caCertHashes: z.array(caCertHash).min(1),
});
export type KubeadmJoinSecrets = z.infer<typeof kubeadmJoinSecretsSchema>;

/** The fields of the JoinConfiguration Cairn sets. */
export const joinConfigurationSchema = z.strictObject({
  apiVersion: z.literal("kubeadm.k8s.io/v1beta4"),
  kind: z.literal("JoinConfiguration"),
  discovery: z.strictObject({
    bootstrapToken: z.strictObject({
      apiServerEndpoint: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[0-9.]+|[a-z0-9.-]+):\d{1,5}$/),
      token,
      caCertHashes: z.array(caCertHash).min(1),
    }),
  }),
  nodeRegistration: z.strictObject({
    name: z.string().regex(RFC1123_LABEL),
    criSocket: z.string().startsWith("unix://"),
    // v1beta4 takes extra kubelet arguments as a list of name/value pairs (a map until v1beta3).
    kubeletExtraArgs: z.array(z.strictObject({ name: z.string(), value: z.string() })),
  }),
});
export type JoinConfiguration = z.infer<typeof joinConfigurationSchema>;

/** The API server endpoint workers join through (`host:port`). */
export function controlPlaneEndpoint(
  topology: ServiceTopology,
  networks: readonly Network[],
): string {
  const vip = vipOf(networks, "management", KUBE_VIP_NAMES);
  if (vip !== undefined) return endpoint(vip, API_SERVER_PORT);
  const [first, ...others] = topology.kubeControlPlane;
  if (!first)
    throw new HostConfigError(
      "nodes",
      "no node carries kube-control-plane: give at least one node the controller role",
    );
  if (others.length > 0)
    throw new HostConfigError(
      "cluster.networks[management].vips",
      `${others.length + 1} Kubernetes control-plane nodes need one endpoint: add a virtual IP to the management network`,
    );
  return endpoint(addressOf(first, "management", "the Kubernetes API endpoint"), API_SERVER_PORT);
}

export interface JoinInput {
  node: ServiceNode;
  topology: ServiceTopology;
  networks: readonly Network[];
  secrets: KubeadmJoinSecrets;
}

export function joinConfiguration(input: JoinInput): JoinConfiguration {
  return {
    apiVersion: "kubeadm.k8s.io/v1beta4",
    kind: "JoinConfiguration",
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: controlPlaneEndpoint(input.topology, input.networks),
        token: input.secrets.token,
        caCertHashes: [...input.secrets.caCertHashes],
      },
    },
    nodeRegistration: {
      name: input.node.hostname,
      criSocket: CRI_SOCKET,
      kubeletExtraArgs: [
        { name: "node-ip", value: addressOf(input.node, "management", "the kubelet") },
      ],
    },
  };
}

export function joinConfigurationFile(input: JoinInput): string {
  const config = joinConfigurationSchema.parse(joinConfiguration(input));
  return `${managedHeader([`kubeadm join configuration of ${input.node.hostname}.`])}\n${stringify(config, { version: "1.1" })}`;
}

export function readJoinConfiguration(text: string): JoinConfiguration {
  return joinConfigurationSchema.parse(parseYaml(text, { version: "1.1" }));
}

export function kubeadmJoinCommand(): string[] {
  return ["kubeadm", "join", "--config", `/${KUBEADM_JOIN_PATH}`];
}
