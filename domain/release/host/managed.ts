/**
 * What every host file Cairn writes has in common: a first line that says Cairn owns the file (so a
 * step removes only files it wrote, never one a package or an operator put there), and one error
 * type whose message names the setting at fault and how to fix it.
 */

export const MANAGED_MARKER = "# Managed by Cairn";

/** The comment block a generated file starts with (no final newline); `lines` say what it is for. */
export function managedHeader(lines: readonly string[]): string {
  return [
    `${MANAGED_MARKER}: local changes are overwritten on the next deploy.`,
    ...comment(lines),
  ].join("\n");
}

/** Comment lines (`# …`) for a block of text. */
export function comment(lines: readonly string[]): string[] {
  return lines.map((line) => (line === "" ? "#" : `# ${line}`));
}

/** Whether a file's content was written by Cairn (its first line is the marker). */
export function isManagedByCairn(content: string): boolean {
  return content.startsWith(MANAGED_MARKER);
}

/**
 * A setting or node fact a host file cannot be built from. `field` is the path in the step input
 * (`settings.ntp.servers[1]`, `nodes[lab-0004].addresses.management`); the message says what to do.
 * Steps run on nodes and log in English; the bilingual finding for the same problem comes from the
 * constraint rules before a deploy is allowed to start.
 */
export class HostConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "HostConfigError";
  }
}

/** Lines joined with a final newline; runs of blank lines collapse to one. */
export function joinLines(lines: readonly string[]): string {
  const out: string[] = [];
  for (const line of lines) {
    if (line === "" && (out.length === 0 || out[out.length - 1] === "")) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return `${out.join("\n")}\n`;
}
