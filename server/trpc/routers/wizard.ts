import "server-only";
import { z } from "zod";
import { networkSchema } from "../../../domain/model";
import {
  applyFixRequest,
  assignRolesRequest,
  clusterRefRequest,
  confirmStepRequest,
  customRolesRequest,
  networksRequest,
  nodeSelectionRequest,
  osDisksRequest,
  planPreviewRequest,
  settingsRequest,
  wizardDeployRequest,
} from "../../../domain/wizard";
import * as wizard from "../../services/wizard";
import { createTRPCRouter, operatorProcedure, viewerProcedure } from "../init";

/**
 * The installation wizard over a draft cluster. Every change answers with the whole wizard state
 * as it is afterwards (the same shape as `state`).
 */
export const wizardRouter = createTRPCRouter({
  state: viewerProcedure
    .input(clusterRefRequest)
    .query(({ ctx, input }) => wizard.wizardState(ctx, input.clusterId)),
  disks: viewerProcedure
    .input(clusterRefRequest)
    .query(({ ctx, input }) => wizard.wizardDisks(ctx, input.clusterId)),
  checkNetworks: viewerProcedure
    .input(z.object({ clusterId: z.uuid(), networks: z.array(networkSchema).max(20) }))
    .query(({ ctx, input }) => wizard.checkNetworks(ctx, input)),
  planPreview: viewerProcedure
    .input(planPreviewRequest)
    .query(({ ctx, input }) => wizard.planPreview(ctx, input)),
  selectNodes: operatorProcedure
    .input(nodeSelectionRequest)
    .mutation(({ ctx, input }) => wizard.selectNodes(ctx, input)),
  deselectNodes: operatorProcedure
    .input(nodeSelectionRequest)
    .mutation(({ ctx, input }) => wizard.deselectNodes(ctx, input)),
  assignRoles: operatorProcedure
    .input(assignRolesRequest)
    .mutation(({ ctx, input }) => wizard.assignRoles(ctx, input)),
  saveCustomRoles: operatorProcedure
    .input(customRolesRequest)
    .mutation(({ ctx, input }) => wizard.saveCustomRoles(ctx, input)),
  saveNetworks: operatorProcedure
    .input(networksRequest)
    .mutation(({ ctx, input }) => wizard.saveNetworks(ctx, input)),
  setOsDisks: operatorProcedure
    .input(osDisksRequest)
    .mutation(({ ctx, input }) => wizard.setOsDisks(ctx, input)),
  saveSettings: operatorProcedure
    .input(settingsRequest)
    .mutation(({ ctx, input }) => wizard.saveSettings(ctx, input)),
  confirmStep: operatorProcedure
    .input(confirmStepRequest)
    .mutation(({ ctx, input }) => wizard.confirmStep(ctx, input)),
  applyFix: operatorProcedure
    .input(applyFixRequest)
    .mutation(({ ctx, input }) => wizard.applyFix(ctx, input)),
  deploy: operatorProcedure
    .input(wizardDeployRequest)
    .mutation(({ ctx, input }) => wizard.deploy(ctx, input)),
});
