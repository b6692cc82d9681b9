"use client";
import { useState } from "react";
import { DatasetsTable } from "./data/DatasetsTable";
import { FolderImportForm } from "./data/FolderImportForm";
import { ImportProgress } from "./data/ImportProgress";
import { RecentImports } from "./data/RecentImports";
import { UploadImportForm } from "./data/UploadImportForm";

/**
 * Admin → Data (issue 7): upload an import ZIP or point at a folder on the server; the import runs
 * as a job whose progress and row-level report show here; recent imports; the datasets with their
 * counts per KPI bucket and a link to their insights. Every action lands in the audit log
 * (server-side, in the services).
 */
export function DataAdmin({ maxUploadBytes }: { maxUploadBytes: number }) {
  // The import started from this page, followed until it finishes (and its report read).
  const [activeJobId, setActiveJobId] = useState<string | null>(null);
  return (
    <section className="space-y-8">
      <h1 className="text-2xl font-semibold tracking-tight">Data</h1>
      <UploadImportForm maxBytes={maxUploadBytes} onQueued={setActiveJobId} />
      <FolderImportForm onQueued={setActiveJobId} />
      {activeJobId && <ImportProgress key={activeJobId} jobId={activeJobId} onDismiss={() => setActiveJobId(null)} />}
      <RecentImports />
      <DatasetsTable />
    </section>
  );
}
