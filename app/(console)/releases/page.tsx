import { ReleaseList } from "@/components/releases/release-list";

export default function ReleasesPage() {
  return <ReleaseList />;
}
