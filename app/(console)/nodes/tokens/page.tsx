import { Suspense } from "react";
import { TokenList } from "@/components/nodes/token-list";

export default function BootstrapTokensPage() {
  return (
    <Suspense>
      <TokenList />
    </Suspense>
  );
}
