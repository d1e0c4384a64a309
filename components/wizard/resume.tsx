"use client";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useWizard } from "./use-wizard";

export function ResumeWizard({ clusterId }: { clusterId: string }) {
  const router = useRouter();
  const wizard = useWizard(clusterId);
  const step = wizard.data?.resumeStep;
  useEffect(() => {
    if (step) router.replace(`/install/${clusterId}/${step}`);
  }, [step, clusterId, router]);
  return null;
}
