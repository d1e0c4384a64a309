import { RegionStep } from "@/components/wizard/region-step";

export default function InstallPage() {
  return <RegionStep />;
}
