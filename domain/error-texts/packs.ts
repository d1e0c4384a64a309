/** Error texts of the packs area; merged into ERRORS (domain/errors.ts), the one catalogue. */
import type { ErrorText } from "../errors";

export const PACKS_ERRORS = {} as const satisfies Record<string, ErrorText>;
