"use client";
import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";
import { refreshQueries } from "./refreshQueries";

type Listing = inferRouterOutputs<AppRouter>["admin"]["models"]["list"];
type Version = Listing["versions"][number];
type RoleInfo = Listing["roles"][number];
type Role = RoleInfo["role"];

const ROLE_TEXT: Record<Role, { title: string; what: string }> = {
  boigllm: { title: "BoigLLM", what: "Behavior model: writes the verbalization for a prompt and target KPI" },
  reward: { title: "BoigLLM reward", what: "Scores images: how likely a high KPI is (Studio scores, DDPO)" },
  boigsd: { title: "BoigSD", what: "Image generation" },
  verbalizer: { title: "Verbalizer detector", what: "Scene detector used for imports and scoring" },
  evaluator: { title: "Evaluation detector", what: "Independent scene detector behind the true KPI" },
  clip: { title: "CLIP", what: "Image–text agreement" },
};

/** The metrics an admin compares versions of a role by; others are in the manifest. */
const KEY_METRICS: Record<Role, string[]> = {
  boigllm: ["eval_loss", "eval_token_accuracy", "eval_kpi_label_accuracy"],
  reward: ["eval_kpi_label_accuracy", "eval_loss", "eval_token_accuracy"],
  boigsd: ["reward_mean", "true_kpi_mean", "eval_diffusion_loss", "eval_vae_psnr"],
  verbalizer: ["eval_map50", "eval_precision", "eval_recall"],
  evaluator: ["eval_map50", "eval_precision", "eval_recall"],
  clip: ["eval_i2t_top1", "eval_auc"],
};

function keyMetrics(role: Role, metrics: Record<string, number>): [string, number][] {
  const preferred = KEY_METRICS[role].filter((k) => typeof metrics[k] === "number");
  const keys = preferred.length ? preferred : Object.keys(metrics);
  return keys.slice(0, 3).map((k) => [k, metrics[k]!]);
}

const formatNumber = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toPrecision(3));
const when = (d: Date | string | null) => (d ? new Date(d).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "");

type Pending = { kind: "promote"; version: Version } | { kind: "rollback"; role: Role; target: Version | undefined };

/** Admin → Models: per role the served version, every registered version, promote and roll back. */
export function ModelsAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listQuery = useQuery(trpc.admin.models.list.queryOptions());
  // After success or failure alike: the table must show what is really active now.
  const refresh = () => refreshQueries(queryClient, trpc.admin.models.list.queryKey());
  const promote = useMutation(trpc.admin.models.promote.mutationOptions({ onSettled: refresh }));
  const rollback = useMutation(trpc.admin.models.rollback.mutationOptions({ onSettled: refresh }));
  const [confirming, setConfirming] = useState<Pending | null>(null);
  const [outcome, setOutcome] = useState<{ role: Role; ok: boolean; text: string } | null>(null);
  const busy = promote.isPending || rollback.isPending;

  async function onConfirm() {
    if (!confirming) return;
    const role = confirming.kind === "promote" ? confirming.version.role : confirming.role;
    setOutcome(null);
    try {
      if (confirming.kind === "promote") {
        await promote.mutateAsync({ versionId: confirming.version.id });
        setOutcome({ role, ok: true, text: `${confirming.version.name} ${confirming.version.version} is now the active ${role} model.` });
      } else {
        await rollback.mutateAsync({ role });
        setOutcome({ role, ok: true, text: `Rolled ${role} back to ${confirming.target ? `${confirming.target.name} ${confirming.target.version}` : "the previous version"}.` });
      }
    } catch (error) {
      setOutcome({ role, ok: false, text: `${confirming.kind === "promote" ? "Not promoted" : "Not rolled back"}: ${errorText(error)}` });
    } finally {
      setConfirming(null);
    }
  }

  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Models</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-500">
          Every registered model version with its manifest. Promoting verifies a version first (the sha256 of every file, a
          real load, a replay of its golden fixture); if that fails, the active version stays. Without a promoted version a
          role serves its built-in default.
        </p>
      </div>
      {listQuery.isLoading && <p className="text-sm text-slate-500">Loading models…</p>}
      {listQuery.error && <p role="alert" className="text-sm text-red-700">{errorText(listQuery.error)}</p>}
      {listQuery.data?.roles.map((info) => (
        <RoleCard
          key={info.role}
          info={info}
          versions={listQuery.data.versions.filter((v) => v.role === info.role)}
          busy={busy}
          outcome={outcome?.role === info.role ? outcome : null}
          onPromote={(version) => setConfirming({ kind: "promote", version })}
          onRollback={(target) => setConfirming({ kind: "rollback", role: info.role, target })}
        />
      ))}
      {confirming && <ConfirmDialog pending={confirming} busy={busy} onConfirm={onConfirm} onCancel={() => !busy && setConfirming(null)} />}
    </section>
  );
}

function RoleCard(props: {
  info: RoleInfo;
  versions: Version[];
  busy: boolean;
  outcome: { ok: boolean; text: string } | null;
  onPromote: (version: Version) => void;
  onRollback: (target: Version | undefined) => void;
}) {
  const { info, versions, busy, outcome } = props;
  const active = versions.find((v) => v.id === info.activeVersionId);
  const previous = versions.find((v) => v.id === info.previousVersionId);
  const [open, setOpen] = useState<string | null>(null);
  const headingId = `models-${info.role}`;

  return (
    <article aria-labelledby={headingId} className="rounded-xl border border-slate-200 bg-white">
      <header className="flex flex-wrap items-start justify-between gap-4 border-b border-slate-100 p-4">
        <div className="min-w-0">
          <h2 id={headingId} className="text-lg font-medium">
            {ROLE_TEXT[info.role].title} <span className="font-mono text-sm font-normal text-slate-400">{info.role}</span>
          </h2>
          <p className="text-sm text-slate-500">{ROLE_TEXT[info.role].what}</p>
          <p className="mt-2 text-sm" data-testid={`active-${info.role}`}>
            {active ? (
              <>
                Active: <span className="font-medium">{active.name} {active.version}</span>
                <span className="text-slate-500">
                  {" "}· promoted {when(info.promotedAt)}
                  {info.promotedBy ? ` by ${info.promotedBy}` : ""}
                </span>
              </>
            ) : (
              <>
                Built-in default: <span className="break-all font-mono text-xs">{info.builtInDir}</span>
              </>
            )}
          </p>
        </div>
        {active && (
          <button type="button" disabled={busy} onClick={() => props.onRollback(previous)}
            aria-label={`Roll back ${info.role} to ${previous ? previous.version : "the built-in default"}`}
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-60">
            Roll back to {previous ? previous.version : "built-in default"}
          </button>
        )}
      </header>
      {outcome && (
        <p role={outcome.ok ? "status" : "alert"} className={`border-b px-4 py-2 text-sm ${outcome.ok ? "border-green-100 bg-green-50 text-green-800" : "border-red-100 bg-red-50 text-red-700"}`}>
          {outcome.text}
        </p>
      )}
      {versions.length === 0 ? (
        <p className="p-4 text-sm text-slate-500">No registered versions. Training runs of this role register theirs when they finish.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-500">
              <tr>
                <th className="px-4 py-2 font-medium">Version</th>
                <th className="px-4 py-2 font-medium">Source</th>
                <th className="px-4 py-2 font-medium">Training</th>
                <th className="px-4 py-2 font-medium">Key metrics</th>
                <th className="px-4 py-2 font-medium">sha256</th>
                <th className="px-4 py-2" />
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <VersionRow key={v.id} version={v} busy={busy} open={open === v.id} onToggle={() => setOpen(open === v.id ? null : v.id)} onPromote={() => props.onPromote(v)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

function VersionRow(props: { version: Version; busy: boolean; open: boolean; onToggle: () => void; onPromote: () => void }) {
  const { version: v, busy, open } = props;
  const manifestId = `manifest-${v.id}`;
  return (
    <>
      <tr className={`border-t border-slate-100 align-top ${v.active ? "bg-brand-50/40" : ""}`}>
        <td className="px-4 py-2">
          <div className="font-medium">{v.name}</div>
          <div className="font-mono text-xs text-slate-500">{v.version}</div>
          <div className="text-xs text-slate-400">{when(v.createdAt)}</div>
        </td>
        <td className="px-4 py-2">
          <div>{v.source}</div>
          {v.runJobId && <div className="font-mono text-xs text-slate-400">run {v.runJobId.slice(0, 8)}</div>}
        </td>
        <td className="max-w-sm px-4 py-2">
          <div className="truncate font-mono text-xs" title={v.trainingCommand ?? ""}>{v.trainingCommand || "—"}</div>
          <div className="truncate text-xs text-slate-500" title={v.dataSnapshot ?? ""}>data: {v.dataSnapshot || "—"}</div>
        </td>
        <td className="px-4 py-2 text-xs">
          {keyMetrics(v.role, v.metrics).map(([k, n]) => (
            <div key={k}><span className="text-slate-500">{k}</span> <span className="tabular-nums">{formatNumber(n)}</span></div>
          ))}
        </td>
        <td className="px-4 py-2 font-mono text-xs text-slate-500" title={v.manifestSha256}>{v.manifestSha256.slice(0, 12)}</td>
        <td className="whitespace-nowrap px-4 py-2 text-right">
          <div className="flex items-center justify-end gap-2">
            {v.active ? (
              <span className="rounded-full bg-green-100 px-2 py-0.5 text-xs font-medium text-green-800">Active</span>
            ) : (
              <button type="button" disabled={busy} onClick={props.onPromote} aria-label={`Promote ${v.role} ${v.version}`}
                className="rounded-md bg-brand-600 px-3 py-1 text-xs font-medium text-white hover:bg-brand-700 disabled:opacity-60">
                Promote
              </button>
            )}
            <button type="button" onClick={props.onToggle} aria-expanded={open} aria-controls={manifestId}
              aria-label={`Manifest of ${v.role} ${v.version}`}
              className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">
              Manifest
            </button>
          </div>
        </td>
      </tr>
      {open && (
        <tr id={manifestId} className="border-t border-slate-100 bg-slate-50">
          <td colSpan={6} className="px-4 py-3"><ManifestView versionId={v.id} dir={v.dir} /></td>
        </tr>
      )}
    </>
  );
}

/** Fetched only when expanded: manifests run to tens of KB (noise schedules, DDPO histories). */
function ManifestView({ versionId, dir }: { versionId: string; dir: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.admin.models.get.queryOptions({ versionId }));
  return (
    <div className="space-y-2">
      <div className="text-xs text-slate-500">Folder: <span className="break-all font-mono">{dir}</span></div>
      {query.isLoading && <p className="text-xs text-slate-500">Loading manifest…</p>}
      {query.error && <p role="alert" className="text-xs text-red-700">{errorText(query.error)}</p>}
      {query.data && (
        <pre className="max-h-96 overflow-auto rounded-md border border-slate-200 bg-white p-3 text-xs leading-relaxed">
          {JSON.stringify(query.data.manifest, null, 2)}
        </pre>
      )}
    </div>
  );
}

function ConfirmDialog(props: { pending: Pending; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const { pending, busy } = props;
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmRef.current?.focus(), []);
  const role = pending.kind === "promote" ? pending.version.role : pending.role;
  const target = pending.kind === "promote" ? pending.version : pending.target;
  const action = pending.kind === "promote" ? "Promote" : "Roll back";
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4"
      onKeyDown={(e) => e.key === "Escape" && props.onCancel()}>
      <div role="dialog" aria-modal="true" aria-labelledby="model-confirm-title" aria-describedby="model-confirm-text"
        className="w-full max-w-md space-y-4 rounded-xl bg-white p-6 shadow-xl">
        <h2 id="model-confirm-title" className="text-lg font-medium">
          {action} {role}{target ? ` to ${target.name} ${target.version}` : ""}?
        </h2>
        <p id="model-confirm-text" className="text-sm text-slate-600">
          {pending.kind === "promote"
            ? "It is verified first (sha256 of every file, a real load, a golden replay), then served by every new request. If verification fails, nothing changes."
            : "The previous version is verified again, then served by every new request. Afterwards there is no further version to roll back to; promote this one again to undo."}
        </p>
        <div className="flex justify-end gap-3">
          <button type="button" onClick={props.onCancel} disabled={busy}
            className="rounded-md border border-slate-300 px-4 py-2 text-sm hover:bg-slate-100 disabled:opacity-60">
            Cancel
          </button>
          <button ref={confirmRef} type="button" onClick={props.onConfirm} disabled={busy}
            className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">
            {busy ? "Verifying…" : action}
          </button>
        </div>
      </div>
    </div>
  );
}
