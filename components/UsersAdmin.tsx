"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";
import { refreshQueries } from "./refreshQueries";

const inputClass =
  "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100";

export function UsersAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const usersQuery = useQuery(trpc.admin.users.list.queryOptions());
  const invalidate = () => refreshQueries(queryClient, trpc.admin.users.list.queryKey());
  const create = useMutation(trpc.admin.users.create.mutationOptions({ onSuccess: invalidate }));
  const setRole = useMutation(trpc.admin.users.setRole.mutationOptions({ onSuccess: invalidate }));
  const [notice, setNotice] = useState<string | null>(null);

  async function onCreate(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    setNotice(null);
    try {
      const user = await create.mutateAsync({
        email: String(form.get("email")),
        name: String(form.get("name") ?? ""),
        password: String(form.get("password")),
        role: form.get("role") === "admin" ? "admin" : "marketer",
      });
      setNotice(`Added ${user.email} as ${user.role}.`);
      formEl.reset();
    } catch {
      /* shown from create.error */
    }
  }

  return (
    <section className="space-y-8">
      <h1 className="text-2xl font-semibold tracking-tight">Users</h1>

      <form onSubmit={onCreate} className="grid max-w-3xl grid-cols-1 gap-4 rounded-xl border border-slate-200 bg-white p-6 sm:grid-cols-2" aria-label="Add user">
        <h2 className="text-lg font-medium sm:col-span-2">Add a user</h2>
        <div>
          <label htmlFor="new-email" className="text-sm font-medium text-slate-700">Email</label>
          <input id="new-email" name="email" type="email" required className={inputClass} />
        </div>
        <div>
          <label htmlFor="new-name" className="text-sm font-medium text-slate-700">Name</label>
          <input id="new-name" name="name" className={inputClass} />
        </div>
        <div>
          <label htmlFor="new-password" className="text-sm font-medium text-slate-700">Password</label>
          <input id="new-password" name="password" type="password" required minLength={8} className={inputClass} />
        </div>
        <div>
          <label htmlFor="new-role" className="text-sm font-medium text-slate-700">Role</label>
          <select id="new-role" name="role" defaultValue="marketer" className={inputClass}>
            <option value="marketer">marketer</option>
            <option value="admin">admin</option>
          </select>
        </div>
        <div className="flex items-center gap-4 sm:col-span-2">
          <button type="submit" disabled={create.isPending} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">
            {create.isPending ? "Adding…" : "Add user"}
          </button>
          {create.error && <p role="alert" className="text-sm text-red-700">{errorText(create.error)}</p>}
          {notice && !create.error && <p role="status" className="text-sm text-green-700">{notice}</p>}
        </div>
      </form>

      <div className="max-w-3xl overflow-hidden rounded-xl border border-slate-200 bg-white">
        {usersQuery.isLoading && <p className="p-6 text-sm text-slate-500">Loading users…</p>}
        {usersQuery.error && <p role="alert" className="p-6 text-sm text-red-700">{errorText(usersQuery.error)}</p>}
        {setRole.error && <p role="alert" className="border-b border-red-100 bg-red-50 px-4 py-2 text-sm text-red-700">{errorText(setRole.error)}</p>}
        {usersQuery.data && (
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-500">
              <tr><th className="px-4 py-2 font-medium">Email</th><th className="px-4 py-2 font-medium">Name</th><th className="px-4 py-2 font-medium">Role</th></tr>
            </thead>
            <tbody>
              {usersQuery.data.map((u) => (
                <tr key={u.id} className="border-t border-slate-100">
                  <td className="px-4 py-2">{u.email}</td>
                  <td className="px-4 py-2">{u.name}</td>
                  <td className="px-4 py-2">
                    <select aria-label={`Role of ${u.email}`} value={u.role} disabled={setRole.isPending}
                      onChange={(e) => setRole.mutate({ userId: u.id, role: e.target.value as "admin" | "marketer" })}
                      className="rounded-md border border-slate-300 px-2 py-1">
                      <option value="marketer">marketer</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
