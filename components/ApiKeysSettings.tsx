"use client";
/**
 * Settings → API keys: create a personal key for the REST API (shown once, with a Copy button),
 * see which keys exist and when each was last used, revoke one. The keys are the signed-in
 * user's own (me.apiKeys.*); a key acts with its owner's role.
 */
import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";
import { splitFieldErrors } from "./fieldErrors";
import { FieldError, describedBy } from "./PromptFields";
import { refreshQueries } from "./refreshQueries";

const inputClass =
  "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100";
const buttonClass = "rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60";

const when = (d: Date | null) => (d ? d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "Never");

export function ApiKeysSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keysQuery = useQuery(trpc.me.apiKeys.list.queryOptions());
  const invalidate = () => refreshQueries(queryClient, trpc.me.apiKeys.list.queryKey());
  const create = useMutation(trpc.me.apiKeys.create.mutationOptions({ onSuccess: invalidate }));
  const revoke = useMutation(trpc.me.apiKeys.revoke.mutationOptions({ onSuccess: invalidate }));
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const keyField = useRef<HTMLInputElement>(null);
  // The example's host is the one in the address bar, known only in the browser (not at render).
  const [origin, setOrigin] = useState("http://localhost:3000");
  useEffect(() => setOrigin(window.location.origin), []);

  const server = create.error ? splitFieldErrors(create.error, (path) => (path === "name" ? "name" : null)) : { fields: {}, rest: null };
  const nameError = server.fields.name;

  async function onCreate(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const name = String(new FormData(formEl).get("name") ?? "");
    setCreated(null);
    setCopied(false);
    try {
      const key = await create.mutateAsync({ name });
      setCreated({ name: key.name, key: key.key });
      formEl.reset();
    } catch {
      /* shown from create.error */
    }
  }

  async function onCopy() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
    } catch {
      // No clipboard API outside a secure context (plain http on a LAN address): copy the selection.
      keyField.current?.select();
      document.execCommand("copy");
    }
    setCopied(true);
  }

  function onRevoke(key: { id: string; name: string; prefix: string }) {
    if (!window.confirm(`Revoke the API key "${key.name}" (${key.prefix}…)? Integrations using it stop working at once.`)) return;
    revoke.mutate({ id: key.id });
  }

  return (
    <section className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
        <p className="mt-1 text-sm text-slate-600">API keys let scripts and other tools use BOIG Studio&apos;s REST API as you, with your role.</p>
      </div>

      <form onSubmit={onCreate} noValidate className="max-w-3xl space-y-4 rounded-xl border border-slate-200 bg-white p-6" aria-label="Create API key">
        <h2 className="text-lg font-medium">Create API key</h2>
        <div className="max-w-md">
          <label htmlFor="api-key-name" className="text-sm font-medium text-slate-700">Key name</label>
          <input name="name" maxLength={60} placeholder="e.g. campaign scheduler" className={inputClass} {...describedBy("api-key-name", nameError)} />
          <FieldError id="api-key-name-error" label="Key name" message={nameError} />
        </div>
        <div className="flex items-center gap-4">
          <button type="submit" disabled={create.isPending} className={buttonClass}>
            {create.isPending ? "Creating…" : "Create key"}
          </button>
          {server.rest && <p role="alert" className="text-sm text-red-700">{server.rest}</p>}
        </div>

        {created && (
          <div className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-4" data-testid="new-api-key">
            <label htmlFor="api-key-value" className="text-sm font-medium text-slate-800">New API key “{created.name}”</label>
            <div className="flex gap-2">
              <input id="api-key-value" ref={keyField} readOnly value={created.key} onFocus={(e) => e.currentTarget.select()}
                className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm" />
              <button type="button" onClick={onCopy} className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100">
                {copied ? "Copied" : "Copy"}
              </button>
            </div>
            <p role="status" className="text-sm text-amber-900">
              Copy this key now: it is not shown again. Only a hash of it is stored; if you lose it, revoke it and create a new one.
            </p>
          </div>
        )}
      </form>

      <div className="max-w-3xl overflow-hidden rounded-xl border border-slate-200 bg-white">
        <h2 className="border-b border-slate-100 px-4 py-3 text-lg font-medium">Your API keys</h2>
        {keysQuery.isLoading && <p className="p-6 text-sm text-slate-500">Loading API keys…</p>}
        {keysQuery.error && <p role="alert" className="p-6 text-sm text-red-700">{errorText(keysQuery.error)}</p>}
        {revoke.error && <p role="alert" className="border-b border-red-100 bg-red-50 px-4 py-2 text-sm text-red-700">{errorText(revoke.error)}</p>}
        {keysQuery.data?.length === 0 && <p className="p-6 text-sm text-slate-500">No API keys yet.</p>}
        {!!keysQuery.data?.length && (
          <table className="w-full text-left text-sm" aria-label="API keys">
            <thead className="bg-slate-50 text-slate-500">
              <tr>
                <th className="px-4 py-2 font-medium">Name</th>
                <th className="px-4 py-2 font-medium">Key</th>
                <th className="px-4 py-2 font-medium">Created</th>
                <th className="px-4 py-2 font-medium">Last used</th>
                <th className="px-4 py-2 font-medium">Status</th>
                <th className="px-4 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {keysQuery.data.map((k) => (
                <tr key={k.id} className={`border-t border-slate-100 ${k.status === "revoked" ? "text-slate-400" : ""}`}>
                  <td className="px-4 py-2">{k.name}</td>
                  <td className="px-4 py-2 font-mono">{k.prefix}…</td>
                  <td className="px-4 py-2">{when(k.createdAt)}</td>
                  <td className="px-4 py-2">{when(k.lastUsedAt)}</td>
                  <td className="px-4 py-2">
                    {k.status === "active" ? (
                      <span className="rounded-full bg-green-50 px-2 py-0.5 text-xs font-medium text-green-700">active</span>
                    ) : (
                      <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-500">revoked</span>
                    )}
                  </td>
                  <td className="px-4 py-2 text-right">
                    {k.status === "active" && (
                      <button type="button" onClick={() => onRevoke(k)} disabled={revoke.isPending} aria-label={`Revoke ${k.name}`}
                        className="rounded-md border border-red-200 px-3 py-1 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60">
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <div className="max-w-3xl space-y-2 rounded-xl border border-slate-200 bg-white p-6 text-sm text-slate-700">
        <h2 className="text-lg font-medium">Using a key</h2>
        <p>Send it in the <code className="font-mono">Authorization</code> header. For example, three variants for a brand, waiting until they are scored:</p>
        <pre className="overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">
{`curl -H "Authorization: Bearer $BOIG_API_KEY" -H 'content-type: application/json' \\
  -d '{"brand":"fizzwell","date":"2024-03-15","prompt":"Fall sale","keywords":["sale"],"targetKpi":"high","variants":3,"wait":true}' \\
  ${origin}/api/v1/generations`}
        </pre>
        <p>Routes: <code className="font-mono">/api/v1/generations</code>, <code className="font-mono">/api/v1/generations/:id</code>, <code className="font-mono">/api/v1/images/:id</code>, <code className="font-mono">/api/v1/score</code>, <code className="font-mono">/api/v1/brands</code> (see the README).</p>
      </div>
    </section>
  );
}
