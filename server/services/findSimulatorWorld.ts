/**
 * The simulator world behind a brand's data, if its dataset came from `boig world` (the folder,
 * or its parent, holds world.json). Only then can a generated image's TRUE KPI be estimated
 * (SPEC §6); real customer data has no hidden ground truth, and the UI says so.
 */
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../db/client";
import type { DatasetKind } from "../db/schema";
import { loadWorldModel, type WorldModel } from "../world/worldModel";

const loaded = new Map<string, WorldModel>();

export async function findSimulatorWorld(db: Db, kind: DatasetKind, brand: string | null): Promise<WorldModel | null> {
  const rows = await queryRows<{ source_dir: string }>(
    db,
    sql`select distinct d.source_dir from datasets d
        where d.kind = ${kind}
          and (${kind} = 'stock' or exists (select 1 from posts p where p.dataset_id = d.id and p.account = ${brand ?? ""}))
        order by d.source_dir`,
  );
  for (const { source_dir: dir } of rows) {
    for (const candidate of [path.join(dir, "world.json"), path.join(path.dirname(dir), "world.json")]) {
      if (!fs.existsSync(candidate)) continue;
      let world = loaded.get(candidate);
      if (!world) {
        try {
          world = loadWorldModel(candidate);
        } catch {
          continue; // not a world file we can read: no true KPI, not an error for the marketer
        }
        loaded.set(candidate, world);
      }
      return world;
    }
  }
  return null;
}
