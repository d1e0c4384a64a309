import { RegionList } from "./_components/region-list";

export default function RegionsPage() {
  return <RegionList />;
}
