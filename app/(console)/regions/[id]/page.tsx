import { RegionDetail } from "../_components/region-detail";

export default async function RegionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RegionDetail id={id} />;
}
