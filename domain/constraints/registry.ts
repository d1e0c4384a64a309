/**
 * Every rule Cairn knows, in one list. A rule file exports `rules: Rule[]`; adding a family means
 * adding one import here.
 */
import { rules as ceph } from "./rules/ceph";
import { rules as dhcp } from "./rules/dhcp";
import { rules as disks } from "./rules/disks";
import { rules as dns } from "./rules/dns";
import { rules as hardware } from "./rules/hardware";
import { rules as hci } from "./rules/hci";
import { rules as hosts } from "./rules/hosts";
import { rules as license } from "./rules/license";
import { rules as network } from "./rules/network";
import { rules as ntp } from "./rules/ntp";
import { rules as operation } from "./rules/operation";
import { rules as overcommit } from "./rules/overcommit";
import { rules as roles } from "./rules/roles";
import type { Rule } from "./types";

export const allRules: readonly Rule[] = [
  ...roles,
  ...ceph,
  ...hardware,
  ...disks,
  ...hosts,
  ...hci,
  ...network,
  ...dhcp,
  ...ntp,
  ...dns,
  ...overcommit,
  ...license,
  ...operation,
];

const byId = new Map(allRules.map((r) => [r.id, r]));

export function ruleById(id: string): Rule | undefined {
  return byId.get(id);
}
