/**
 * services (graph deploy, every node): OpenStack, Ceph and Kubernetes are deployed by their
 * established tools — kolla-ansible, cephadm and kubeadm — from inputs this step generates from the
 * cluster's topology (domain/release/services/), each checked against its schema.
 *
 * Said plainly:
 * - On a real node (CAIRN_ROOT is /) in apply mode, the step writes the inputs and RUNS the tools.
 *   A missing tool (or a missing prerequisite such as kolla's passwords.yml) fails the step with a
 *   message that says what to install or create — before anything is run.
 * - On a lab node (CAIRN_ROOT is the lab node's folder) and in noop mode, the step writes the
 *   inputs (noop: shows their diff) and prints the exact command lines; it deploys nothing.
 *
 * Who runs what: kolla-ansible runs once per cluster, on the first controller; cephadm once, on the
 * first Ceph monitor (bootstrap on a new cluster, `ceph orch apply` on a running one); kubeadm
 * joins each Kubernetes worker from the worker itself, once. Other nodes have nothing to do here,
 * and a node that no longer runs a tool loses that tool's inputs.
 */
import {
  CEPH_SPEC_PATH,
  cephSpecFile,
  cephadmCommand,
  monIpOf,
} from "../../../domain/release/services/cephadm";
import {
  KOLLA_GLOBALS_PATH,
  KOLLA_INVENTORY_PATH,
  KOLLA_PASSWORDS_PATH,
  kollaCommands,
  kollaGlobalsFile,
  kollaInterfacesOf,
  kollaInventoryFile,
} from "../../../domain/release/services/kolla";
import {
  KUBEADM_JOIN_PATH,
  KUBEADM_SECRETS_PATH,
  KUBELET_CONF_PATH,
  joinConfigurationFile,
  kubeadmJoinCommand,
  kubeadmJoinSecretsSchema,
  type KubeadmJoinSecrets,
} from "../../../domain/release/services/kubeadm";
import { topologyOf } from "../../../domain/release/services/topology";
import { StepError, type StepContext } from "../../sdk/step";

/** Whether a real node's ceph cluster exists already (cephadm bootstrap wrote its config). */
export const CEPH_CONF_PATH = "etc/ceph/ceph.conf";

interface ToolRun {
  tool: string;
  /** How to install the tool, for the message when it is missing. */
  install: string;
  commands: string[][];
  /** Problems that stop the run on a real node (a missing prerequisite), said in full. */
  blockers: string[];
}

export interface ServicesOptions {
  /** A real node runs the tools in apply mode; a lab node never does. Default: CAIRN_ROOT is /. */
  realNode?: boolean;
  /** Finds a tool's executable (default: PATH and the sbin folders); tests replace it. */
  locate?: (tool: string) => string | null;
}

async function readJoinSecrets(ctx: StepContext): Promise<KubeadmJoinSecrets | null> {
  const text = await ctx.readFile(KUBEADM_SECRETS_PATH);
  if (text === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StepError(`/${KUBEADM_SECRETS_PATH} is not JSON: ${(e as Error).message}`);
  }
  const parsed = kubeadmJoinSecretsSchema.safeParse(raw);
  if (!parsed.success)
    throw new StepError(
      `/${KUBEADM_SECRETS_PATH}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

export async function deployServices(
  ctx: StepContext,
  options: ServicesOptions = {},
): Promise<void> {
  const realNode = options.realNode ?? ctx.root === "/";
  const locate = options.locate ?? ((tool: string) => ctx.which(tool));
  const { input } = ctx;
  const topology = topologyOf(input);
  const self = topology.nodes.find((n) => n.id === input.node.id);
  const cluster = { id: input.cluster.id, name: input.cluster.name };
  const networks = input.cluster.networks;
  const runs: ToolRun[] = [];
  const owned = new Set<string>();

  if (self && topology.cephadmNode?.id === self.id && topology.cephOsd.length > 0) {
    await ctx.writeFile(CEPH_SPEC_PATH, cephSpecFile({ cluster, networks, topology }));
    owned.add(CEPH_SPEC_PATH);
    const bootstrapped = (await ctx.readFile(CEPH_CONF_PATH)) !== null;
    runs.push({
      tool: "cephadm",
      install: "apt-get install cephadm",
      commands: [cephadmCommand(bootstrapped, monIpOf(self))],
      blockers: [],
    });
  }

  if (self && topology.kollaNode?.id === self.id) {
    await ctx.writeFile(
      KOLLA_GLOBALS_PATH,
      kollaGlobalsFile({ cluster, networks, topology, interfaces: kollaInterfacesOf(input) }),
    );
    await ctx.writeFile(KOLLA_INVENTORY_PATH, kollaInventoryFile({ cluster, topology }));
    owned.add(KOLLA_GLOBALS_PATH).add(KOLLA_INVENTORY_PATH);
    const passwords = (await ctx.readFile(KOLLA_PASSWORDS_PATH)) !== null;
    runs.push({
      tool: "kolla-ansible",
      install: "pip install kolla-ansible, then kolla-ansible install-deps",
      commands: kollaCommands(),
      blockers: passwords
        ? []
        : [
            `/${KOLLA_PASSWORDS_PATH} does not exist: Cairn never writes OpenStack's passwords. Create it on ${self.hostname}: copy etc_examples/kolla/passwords.yml from kolla-ansible's share folder to /${KOLLA_PASSWORDS_PATH}, then run kolla-genpwd -p /${KOLLA_PASSWORDS_PATH}`,
          ],
    });
  }

  if (self && topology.kubeWorkers.some((n) => n.id === self.id)) {
    const joined = (await ctx.readFile(KUBELET_CONF_PATH)) !== null;
    const secrets = await readJoinSecrets(ctx);
    if (secrets) {
      await ctx.writeFile(
        KUBEADM_JOIN_PATH,
        joinConfigurationFile({ node: self, topology, networks, secrets }),
        { mode: 0o600 },
      );
      owned.add(KUBEADM_JOIN_PATH);
    }
    if (joined)
      ctx.log(
        `${self.hostname} has joined Kubernetes already (/${KUBELET_CONF_PATH}): kubeadm join is not run again`,
      );
    else
      runs.push({
        tool: "kubeadm",
        install: "apt-get install kubeadm kubelet (from the Kubernetes package repository)",
        commands: [kubeadmJoinCommand()],
        blockers: secrets
          ? []
          : [
              `no bootstrap token for kubeadm join: /${KUBEADM_SECRETS_PATH} (token and caCertHashes of the cluster) is missing, so /${KUBEADM_JOIN_PATH} was not written`,
            ],
      });
  }

  for (const file of [CEPH_SPEC_PATH, KOLLA_GLOBALS_PATH, KOLLA_INVENTORY_PATH, KUBEADM_JOIN_PATH])
    if (!owned.has(file)) await ctx.removeFile(file);

  if (runs.length === 0) {
    if (self && topology.kubeWorkers.some((n) => n.id === self.id)) return;
    ctx.log(
      `${input.node.hostname} runs no deployment tool: kolla-ansible runs on ${topology.kollaNode?.hostname ?? "no node (no controller)"}, cephadm on ${topology.cephadmNode && topology.cephOsd.length > 0 ? topology.cephadmNode.hostname : "no node (no Ceph OSDs)"}`,
    );
    return;
  }

  if (!realNode || ctx.mode === "noop") {
    const why = realNode ? "noop" : "lab node";
    for (const run of runs) {
      for (const blocker of run.blockers) ctx.log(`${why}: note: ${blocker}`);
      for (const command of run.commands) ctx.log(`${why}: not run: ${command.join(" ")}`);
    }
    return;
  }

  // Everything that would stop a run is found before anything runs: no half-deployed cluster.
  const problems: string[] = [];
  const found = new Map<string, string>();
  for (const run of runs) {
    const tool = locate(run.tool);
    if (tool) found.set(run.tool, tool);
    else
      problems.push(
        `${run.tool} is not installed on ${input.node.hostname} (install: ${run.install})`,
      );
    problems.push(...run.blockers);
  }
  if (problems.length)
    throw new StepError(
      `cannot deploy the services from ${input.node.hostname}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  for (const run of runs)
    for (const [, ...args] of run.commands) ctx.run(found.get(run.tool) as string, args);
}

export default async function services(ctx: StepContext): Promise<void> {
  return deployServices(ctx, { realNode: ctx.root === "/" });
}
