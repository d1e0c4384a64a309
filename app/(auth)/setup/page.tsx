import { redirect } from "next/navigation";
import { getDb } from "@/server/db";
import { needsSetup } from "@/server/services/users";
import { SetupForm } from "./_components/setup-form";

export const dynamic = "force-dynamic";

export default async function SetupPage() {
  if (!(await needsSetup(await getDb()))) redirect("/sign-in");
  return <SetupForm />;
}
