/**
 * The role catalog format (Fuel's proven model, one parser for browser, server and CLI).
 * A release bundle ships `roles.yaml` in this shape; operators may add custom roles made of services.
 */
import { z } from "zod";
import type { Localized } from "../i18n";
import { CLUSTER_KINDS } from "../model";

const localized = z.object({ en: z.string().min(1), "zh-CN": z.string().min(1) });

/** When a limit override applies: every given field must match the cluster. */
export const limitConditionSchema = z
  .object({
    kind: z.enum(CLUSTER_KINDS).optional(),
    ha: z.boolean().optional(),
  })
  .strict();

/** A conditional change of a limit (Fuel's `limits.overrides`), with the reason shown to the operator. */
export const limitOverrideSchema = z.object({
  when: limitConditionSchema,
  min: z.number().int().nonnegative().optional(),
  max: z.number().int().nonnegative().optional(),
  recommended: z.number().int().positive().optional(),
  message: localized,
});

export const limitsSchema = z.object({
  min: z.number().int().nonnegative().optional(),
  max: z.number().int().positive().optional(),
  recommended: z.number().int().positive().optional(),
  /** The count must be odd (quorum members). */
  odd: z.boolean().optional(),
  /** The first matching override replaces the limits it names. */
  overrides: z.array(limitOverrideSchema).default([]),
});

export const hardwareMinimumsSchema = z.object({
  cores: z.number().int().positive().optional(),
  memoryGiB: z.number().positive().optional(),
  installDiskGB: z.number().positive().optional(),
  /** Needs at least this many unused non-OS disks of at least `dataDiskGB` (Ceph OSDs). */
  dataDisks: z.number().int().nonnegative().optional(),
  dataDiskGB: z.number().positive().optional(),
  virtualization: z.boolean().optional(),
});

export const serviceSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: localized,
  conflicts: z.array(z.string()).default([]),
  limits: limitsSchema.default({ overrides: [] }),
  hardware: hardwareMinimumsSchema.default({}),
  /** How many members may fail; 0 means the service is critical on every member. */
  faultTolerance: z.number().int().nonnegative().default(0),
});

export const roleSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: localized,
  group: z.string().default("base"),
  weight: z.number().int().default(100),
  services: z.array(z.string()).min(1),
  conflicts: z.array(z.string()).default([]),
  limits: limitsSchema.default({ overrides: [] }),
  hardware: hardwareMinimumsSchema.default({}),
  /** Containers volume size on the OS disk, GiB. */
  containersGiB: z.number().positive().default(50),
  tags: z.array(z.string()).default([]),
});

export const roleCatalogSchema = z.object({
  services: z.array(serviceSchema).min(1),
  roles: z.array(roleSchema).min(1),
});

export type Service = z.infer<typeof serviceSchema>;
export type Limits = z.infer<typeof limitsSchema>;
export type LimitOverride = z.infer<typeof limitOverrideSchema>;
export type HardwareMinimums = z.infer<typeof hardwareMinimumsSchema>;
export type Role = z.infer<typeof roleSchema>;
export type RoleCatalog = z.infer<typeof roleCatalogSchema>;
export type { Localized };
