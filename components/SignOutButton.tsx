"use client";
import { signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";

export function SignOutButton() {
  const router = useRouter();
  const queryClient = useQueryClient();
  return (
    <button
      type="button"
      onClick={async () => {
        await signOut({ redirect: false });
        // The query cache lives in the root layout and outlasts the session: drop it so the next
        // user in this tab never sees this user's keys, history or jobs (not even while refetching).
        queryClient.clear();
        router.replace("/signin");
        router.refresh();
      }}
      className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100"
    >
      Sign out
    </button>
  );
}
