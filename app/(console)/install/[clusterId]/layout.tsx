import type { ReactNode } from "react";
import { WizardFrame } from "@/components/wizard/wizard-frame";

export default async function WizardLayout({
  params,
  children,
}: {
  params: Promise<{ clusterId: string }>;
  children: ReactNode;
}) {
  const { clusterId } = await params;
  return <WizardFrame clusterId={clusterId}>{children}</WizardFrame>;
}
