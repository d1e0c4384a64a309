import { redirect } from "next/navigation";
import { ClusterStep } from "@/components/wizard/cluster-step";

export default async function NewClusterPage({
  searchParams,
}: {
  searchParams: Promise<{ region?: string }>;
}) {
  const { region } = await searchParams;
  if (!region) redirect("/install");
  return <ClusterStep regionId={region} />;
}
