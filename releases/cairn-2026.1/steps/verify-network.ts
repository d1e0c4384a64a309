/** verify-network: checks the cluster's addresses (domain/release/verify.ts); changes nothing. */
import { verifyAddresses } from "../../../domain/release/verify";
import { StepError, type StepContext } from "../../sdk/step";

export default async function verifyNetwork(ctx: StepContext): Promise<void> {
  const problems = verifyAddresses(ctx.input);
  for (const p of problems) ctx.log(`problem: ${p.message.en}`);
  if (problems.length) throw new StepError(`${problems.length} address problem(s); see above`);
  ctx.log(`addresses of ${ctx.input.nodes.length} node(s) checked: no problem`);
}
