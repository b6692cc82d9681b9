import { Suspense } from "react";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/SignInForm";
import { getSessionUser } from "@/server/auth/currentUser";

export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await getSessionUser()) redirect("/");
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-semibold tracking-tight">BOIG Studio</h1>
        <p className="mb-6 mt-1 text-sm text-slate-500">Sign in to generate images that perform.</p>
        <Suspense>
          <SignInForm />
        </Suspense>
      </div>
    </main>
  );
}
