"use client";
import { LaunchRunForm } from "./runs/LaunchRunForm";
import { RunsTable } from "./runs/RunsTable";

/**
 * Runs (issue 7): launch any training run of the paper's pipeline with its main settings, and
 * follow every run live; each run's page has its charts, sample grids and logs.
 */
export function RunsAdmin() {
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Runs</h1>
        <p className="mt-1 text-sm text-slate-600">
          Training runs execute as jobs calling the Python trainer; a run survives a worker restart and can be cancelled and resumed from its last
          checkpoint. Several GPUs: see the README (torchrun).
        </p>
      </div>
      <LaunchRunForm />
      <RunsTable />
    </section>
  );
}
