/** Error texts of the wizard area; merged into ERRORS (domain/errors.ts), the one catalogue. */
import type { ErrorText } from "../errors";

export const WIZARD_ERRORS = {} as const satisfies Record<string, ErrorText>;
