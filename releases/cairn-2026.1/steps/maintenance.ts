/**
 * enter-maintenance / exit-maintenance (the task's kind says which). The marker file under
 * /etc/cairn is what Cairn's own steps and the console read; on a real compute node in apply mode
 * the nova-compute service is disabled or enabled too, when the openstack client is there. On lab
 * nodes and in noop the exact command is printed.
 */
import type { StepContext } from "../../sdk/step";

const MARKER = "etc/cairn/maintenance";

export default async function maintenance(ctx: StepContext): Promise<void> {
  const entering = ctx.input.task.kind !== "exit-maintenance";
  const host = ctx.input.node.hostname;
  if (entering)
    await ctx.writeFile(
      MARKER,
      `# ${host} is in maintenance: no new workloads are scheduled here.\ntask=${ctx.input.task.id}\n`,
    );
  else await ctx.removeFile(MARKER);
  const compute = ctx.input.node.roles.some((r) =>
    ["compute", "hci", "controller-hci"].includes(r),
  );
  if (!compute) return;
  const args = entering
    ? [
        "compute",
        "service",
        "set",
        "--disable",
        "--disable-reason",
        "cairn maintenance",
        host,
        "nova-compute",
      ]
    : ["compute", "service", "set", "--enable", host, "nova-compute"];
  if (ctx.root !== "/" || ctx.mode === "noop" || !ctx.has("openstack"))
    ctx.log(`command: openstack ${args.join(" ")}`);
  else ctx.run("openstack", args);
}
