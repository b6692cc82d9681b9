"use client";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { fieldMessage, splitFieldErrors } from "../fieldErrors";
import { buttonClass, card, inputClass } from "./importShared";

/** (b) Import a folder that is already on the server (checked up front: exists, is a folder, has posts). */
export function FolderImportForm({ onQueued }: { onQueued: (jobId: string) => void }) {
  const trpc = useTRPC();
  const importFolder = useMutation(trpc.admin.data.importFolder.mutationOptions({ onSuccess: (job) => onQueued(job.id) }));
  const { fields, rest } = splitFieldErrors(importFolder.error, (p) => (p === "dir" || p === "name" ? p : null));

  return (
    <form
      aria-label="Import a folder"
      className={`${card} max-w-3xl space-y-3`}
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const name = String(form.get("name") ?? "").trim();
        importFolder.mutate({ dir: String(form.get("dir") ?? ""), ...(name ? { name } : {}) });
      }}
    >
      <h2 className="text-lg font-medium">Import a folder on the server</h2>
      <p className="text-sm text-slate-500">For exports too large to upload: an absolute path on the server, in the same format as the ZIP.</p>
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="sm:col-span-2">
          <label htmlFor="import-dir" className="text-sm font-medium text-slate-700">Folder path</label>
          <input id="import-dir" name="dir" required placeholder="/srv/exports/brand-2025" aria-invalid={!!fields.dir}
            aria-describedby={fields.dir ? "import-dir-error" : undefined} className={inputClass} />
          {fields.dir && <p id="import-dir-error" className="mt-1 text-sm text-red-700">{fieldMessage("Folder path", fields.dir)}</p>}
        </div>
        <div>
          <label htmlFor="import-name" className="text-sm font-medium text-slate-700">Dataset name (optional)</label>
          <input id="import-name" name="name" maxLength={200} aria-invalid={!!fields.name}
            aria-describedby={fields.name ? "import-name-error" : undefined} className={inputClass} />
          {fields.name && <p id="import-name-error" className="mt-1 text-sm text-red-700">{fieldMessage("Dataset name", fields.name)}</p>}
        </div>
      </div>
      <div className="flex items-center gap-4">
        <button type="submit" disabled={importFolder.isPending} className={buttonClass}>{importFolder.isPending ? "Checking…" : "Import"}</button>
        {rest && <p role="alert" className="text-sm text-red-700">{rest}</p>}
      </div>
    </form>
  );
}
