import { Suspense } from "react";
import { ReleaseDetail } from "@/components/releases/release-detail";

export default async function ReleasePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense>
      <ReleaseDetail id={id} />
    </Suspense>
  );
}
