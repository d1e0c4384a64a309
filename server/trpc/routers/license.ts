import "server-only";
import { loadLicenseRequest } from "../../../domain/wizard";
import * as licenses from "../../services/licenses";
import { createTRPCRouter, operatorProcedure, viewerProcedure } from "../init";

export const licenseRouter = createTRPCRouter({
  /** The license in force (the newest loaded), verified again now; null when none was loaded. */
  current: viewerProcedure.query(({ ctx }) => licenses.currentLicense(ctx)),
  /** Verifies and stores a license; an invalid one is refused with the failed check and replaces nothing. */
  load: operatorProcedure
    .input(loadLicenseRequest)
    .mutation(({ ctx, input }) => licenses.loadLicense(ctx, input)),
});
