import { describe, expect, it } from "vitest";
import { builtinCatalog } from "../../roles/builtin";
import { CEPHADM_SERVICES, dutiesOf, KOLLA_SERVICES, KUBE_SERVICES, roleNames } from "./duties";

describe("host duties", () => {
  it("know which tool deploys every service of the built-in catalog, and each by one tool", () => {
    const classified = [...KOLLA_SERVICES, ...CEPHADM_SERVICES, ...KUBE_SERVICES];
    expect(new Set(classified).size).toBe(classified.length);
    expect([...classified].sort()).toEqual(builtinCatalog.services.map((s) => s.name).sort());
  });

  it("give the NTP-server duty to the control plane only", () => {
    expect(
      roleNames()
        .filter((r) => dutiesOf([r]).ntpServer)
        .sort(),
    ).toEqual(["controller", "controller-hci"]);
  });

  it("unite the duties of several roles and ignore unknown (custom) roles", () => {
    expect(dutiesOf(["storage", "network"])).toEqual({
      ntpServer: false,
      apiFrontend: false,
      kubernetes: false,
      novaCompute: false,
      cephOsd: true,
      kolla: true,
      cephadm: true,
    });
    expect(dutiesOf(["my-custom-role"])).toEqual(dutiesOf([]));
  });
});
