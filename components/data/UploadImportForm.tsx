"use client";
import { useRef, useState } from "react";
import { fieldMessage } from "../fieldErrors";
import { ProgressBar, buttonClass, card, formatBytes, inputClass } from "./importShared";

type Uploaded = { jobId: string; dir: string; name: string };
type ServerError = { code?: string; message?: string; fields?: { path: string; message: string }[] };

/** POSTs the form with XMLHttpRequest: unlike fetch, it reports upload progress. */
function sendUpload(form: FormData, onProgress: (fraction: number) => void, xhr: XMLHttpRequest): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    xhr.open("POST", "/api/admin/imports");
    // Proves to the server that our own page sent this (server/http/sessionRoute.ts: CSRF).
    xhr.setRequestHeader("x-boig-csrf", "1");
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status === 201) return resolve(xhr.response as Uploaded);
      const error = ((xhr.response as { error?: ServerError } | null)?.error ?? {}) as ServerError;
      reject(Object.assign(new Error(error.message ?? `The upload failed (HTTP ${xhr.status})`), { fields: error.fields ?? [] }));
    };
    xhr.onerror = () => reject(Object.assign(new Error("The upload failed: the server could not be reached"), { fields: [] }));
    xhr.onabort = () => reject(Object.assign(new Error("Upload cancelled"), { fields: [] }));
    xhr.send(form);
  });
}

/** (a) Upload an import folder as a ZIP; the server unpacks it and queues the import job. */
export function UploadImportForm({ maxBytes, onQueued }: { maxBytes: number; onQueued: (jobId: string) => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const xhr = useRef<XMLHttpRequest | null>(null);
  const uploading = progress !== null;

  function check(file: File | null): string | null {
    if (!file || file.size === 0) return "Choose a .zip file";
    if (!/\.zip$/i.test(file.name)) return `${file.name} is not a .zip file`;
    if (file.size > maxBytes) return `${file.name} is ${formatBytes(file.size)}, over the ${formatBytes(maxBytes)} upload limit`;
    return null;
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const file = form.get("file");
    setError(null);
    setNameError(null);
    const problem = check(file instanceof File ? file : null);
    setFileError(problem);
    if (problem) return;
    if (!String(form.get("name") ?? "").trim()) form.delete("name");
    setProgress(0);
    xhr.current = new XMLHttpRequest();
    try {
      const uploaded = await sendUpload(form, setProgress, xhr.current);
      formEl.reset();
      onQueued(uploaded.jobId);
    } catch (err) {
      const fields = (err as { fields: { path: string; message: string }[] }).fields;
      const byPath = (p: string) => fields.find((f) => f.path === p)?.message;
      if (byPath("file")) setFileError(fieldMessage("Import ZIP", byPath("file")!));
      if (byPath("name")) setNameError(fieldMessage("Dataset name", byPath("name")!));
      if (!byPath("file") && !byPath("name")) setError((err as Error).message);
    } finally {
      xhr.current = null;
      setProgress(null);
    }
  }

  return (
    <form aria-label="Upload import ZIP" onSubmit={onSubmit} noValidate className={`${card} max-w-3xl space-y-3`}>
      <h2 className="text-lg font-medium">Upload import ZIP</h2>
      <p className="text-sm text-slate-500">
        A ZIP of an import folder: posts.csv or posts.jsonl with its images (or a <code>boig world</code> output), up to {formatBytes(maxBytes)}.
        It imports as a job; bad rows are reported by line and never stop the good ones.
      </p>
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="sm:col-span-2">
          <label htmlFor="upload-file" className="text-sm font-medium text-slate-700">Import ZIP</label>
          <input id="upload-file" name="file" type="file" accept=".zip,application/zip" disabled={uploading}
            aria-invalid={!!fileError} aria-describedby={fileError ? "upload-file-error" : undefined}
            onChange={(e) => {
              // Checked as soon as it is picked, so a wrong file shows before the upload starts.
              const picked = e.currentTarget.files?.[0];
              setFileError(picked ? check(picked) : null);
            }}
            className={`${inputClass} file:mr-3 file:rounded file:border-0 file:bg-slate-100 file:px-2 file:py-1`} />
          {fileError && <p id="upload-file-error" className="mt-1 text-sm text-red-700">{fileError}</p>}
        </div>
        <div>
          <label htmlFor="upload-name" className="text-sm font-medium text-slate-700">Dataset name</label>
          <input id="upload-name" name="name" maxLength={200} placeholder="optional: the ZIP's folder name" disabled={uploading}
            aria-invalid={!!nameError} aria-describedby={nameError ? "upload-name-error" : undefined} className={inputClass} />
          {nameError && <p id="upload-name-error" className="mt-1 text-sm text-red-700">{nameError}</p>}
        </div>
      </div>
      {progress !== null && (
        <div className="space-y-1">
          <p role="status" className="text-sm text-slate-600">
            {progress < 1 ? `Uploading… ${Math.round(progress * 100)}%` : "Unpacking and checking the ZIP…"}
          </p>
          <ProgressBar label="Upload progress" fraction={progress} />
        </div>
      )}
      <div className="flex items-center gap-4">
        <button type="submit" disabled={uploading} className={buttonClass}>{uploading ? "Uploading…" : "Upload and import"}</button>
        {uploading && (
          <button type="button" onClick={() => xhr.current?.abort()} className="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100">Cancel upload</button>
        )}
        {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
      </div>
    </form>
  );
}
