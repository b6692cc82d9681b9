/**
 * The BoigSD the app serves (SPEC §5): `modelDir` if given, else the registry's active boigsd
 * version (Admin → Models), else BOIG_BOIGSD_DIR, else
 * models/artifacts/boigsd (the DDPO-aligned model). Loaded once per folder and shared (four ONNX
 * sessions). A missing artifact is UNAVAILABLE with how to get one; a broken one MODEL_INVALID.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "../env";
import { AppError } from "../errors";
import { loadBoigSd, type BoigSd } from "../ml/boigSd";
import { getActiveModelDir } from "./activeModels";

const loaded = new Map<string, Promise<BoigSd>>();

export function servedBoigSdDir(modelDir?: string): string {
  return path.resolve(env().repoRoot, modelDir ?? getActiveModelDir("boigsd") ?? env().BOIG_BOIGSD_DIR ?? "models/artifacts/boigsd");
}

export async function loadServedBoigSd(modelDir?: string): Promise<BoigSd> {
  const dir = servedBoigSdDir(modelDir);
  if (!fs.existsSync(path.join(dir, "manifest.json")))
    throw new AppError(
      "UNAVAILABLE",
      `BoigSD is not available: no model at ${dir}. Train one (npx boig train sd-base, then npx boig train ddpo) or point BOIG_BOIGSD_DIR at an artifact folder.`,
      { modelDir: dir },
    );
  let model = loaded.get(dir);
  if (!model) {
    model = loadBoigSd(dir);
    loaded.set(dir, model);
    model.catch(() => loaded.delete(dir)); // a failed load is retried next time (e.g. after a fix)
  }
  return model;
}
