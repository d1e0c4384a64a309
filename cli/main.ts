/**
 * The `cairn` command line. `bin/cairn.mjs` calls `run`; other programs may build the same program
 * with `buildProgram()` and add their own commands.
 *
 * Exit codes, for every command: 0 ok, 1 the thing checked failed (blocking findings, a license
 * that does not verify), 2 bad usage or unreadable input, 70 an internal error (a bug: please report).
 */
import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { registerCheckCommand } from "./check";
import { registerLabCommand } from "./lab";
import { registerLicenseCommand } from "./license";

export const EXIT_INTERNAL = 70;

export function buildProgram(): Command {
  const { version } = createRequire(import.meta.url)("../package.json") as { version: string };
  const program = new Command("cairn")
    .description(
      "Cairn private-cloud installer: check cluster descriptions, manage licenses, run a lab fleet",
    )
    .version(version)
    .showHelpAfterError()
    // Set before registering commands: subcommands copy this setting when they are created.
    .exitOverride();
  registerCheckCommand(program);
  registerLicenseCommand(program);
  registerLabCommand(program);
  return program;
}

/** Parses `argv` (as `process.argv`), runs the command and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    // Commander reports usage errors with its own code 1; ours is 2. Help and --version exit 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(
      `cairn: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_INTERNAL;
  }
}
