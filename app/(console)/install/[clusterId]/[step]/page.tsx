import { notFound } from "next/navigation";
import { DiscoverStep } from "@/components/wizard/discover-step";
import { DisksStep } from "@/components/wizard/disks-step";
import { DraftClusterStep, DraftRegionStep } from "@/components/wizard/draft-summary-steps";
import { LicenseStep } from "@/components/wizard/license-step";
import { NetworksStep } from "@/components/wizard/networks-step";
import { ReviewStep } from "@/components/wizard/review-step";
import { RolesStep } from "@/components/wizard/roles-step";
import { SettingsStep } from "@/components/wizard/settings-step";
import type { WizardStep } from "@/domain/model";

const PAGES: Record<WizardStep, (props: { clusterId: string }) => React.ReactNode> = {
  region: DraftRegionStep,
  cluster: DraftClusterStep,
  discover: DiscoverStep,
  roles: RolesStep,
  networks: NetworksStep,
  disks: DisksStep,
  settings: SettingsStep,
  license: LicenseStep,
  review: ReviewStep,
};

/** One URL per wizard step: /install/<cluster>/<step>. */
export default async function WizardStepPage({
  params,
}: {
  params: Promise<{ clusterId: string; step: string }>;
}) {
  const { clusterId, step } = await params;
  const Page = PAGES[step as WizardStep];
  if (!Page) notFound();
  return <Page clusterId={clusterId} />;
}
