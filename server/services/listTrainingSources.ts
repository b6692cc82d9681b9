/**
 * What a training run can be pointed at, for the Runs form: simulated worlds (a folder with
 * world.json: imported datasets' folders and their parents, uploaded or demo worlds, the eval
 * cache) for the detector, diffusion, DDPO and image–text tasks, and instruction folders
 * (train.jsonl, from `boig instructions`) for BoigLLM. Only folders that exist are listed.
 */
import fs from "node:fs";
import path from "node:path";
import type { Db } from "../db/client";
import { datasets } from "../db/schema";
import { env } from "../env";

export type TrainingSource = { kind: "world" | "instructions"; dir: string; label: string };

export async function listTrainingSources(db: Db): Promise<TrainingSource[]> {
  const candidates = new Set<string>();
  for (const row of await db.select({ dir: datasets.sourceDir }).from(datasets)) {
    candidates.add(row.dir);
    candidates.add(path.dirname(row.dir));
  }
  const dataDir = env().dataDir;
  for (const parent of ["worlds", "uploads", "cache"].map((p) => path.join(dataDir, p)))
    if (fs.existsSync(parent)) for (const entry of fs.readdirSync(parent)) candidates.add(path.join(parent, entry));
  const sources: TrainingSource[] = [];
  for (const dir of [...candidates].sort()) {
    const label = path.relative(dataDir, dir).startsWith("..") ? dir : path.relative(dataDir, dir);
    if (fs.existsSync(path.join(dir, "world.json"))) sources.push({ kind: "world", dir, label });
    else if (fs.existsSync(path.join(dir, "train.jsonl"))) sources.push({ kind: "instructions", dir, label });
  }
  return sources;
}
