import { ResumeWizard } from "@/components/wizard/resume";

/** Opening a draft jumps to the first step that owns a failing rule, else the first unconfirmed. */
export default async function ResumePage({ params }: { params: Promise<{ clusterId: string }> }) {
  const { clusterId } = await params;
  return <ResumeWizard clusterId={clusterId} />;
}
