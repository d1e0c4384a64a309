import { HealthView } from "./_components/health-view";

export default function HealthPage() {
  return <HealthView />;
}
