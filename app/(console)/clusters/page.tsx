import { Suspense } from "react";
import { ClusterList } from "./_components/cluster-list";

export default function ClustersPage() {
  return (
    <Suspense>
      <ClusterList />
    </Suspense>
  );
}
