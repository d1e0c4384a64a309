/** Error texts of the tasks area; merged into ERRORS (domain/errors.ts), the one catalogue. */
import type { ErrorText } from "../errors";

export const TASKS_ERRORS = {} as const satisfies Record<string, ErrorText>;
