import { redirect } from "next/navigation";
import { getDb } from "@/server/db";
import { needsSetup } from "@/server/services/users";
import { SignInForm } from "./_components/sign-in-form";

export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await needsSetup(await getDb())) redirect("/setup");
  return <SignInForm />;
}
