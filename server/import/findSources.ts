import fs from "node:fs";
import path from "node:path";
import { badInput } from "../errors";

export type ImportSource = { dir: string; file: string; datasetName: string };

function postsFileIn(dir: string): string | null {
  const csv = path.join(dir, "posts.csv");
  const jsonl = path.join(dir, "posts.jsonl");
  const found = [csv, jsonl].filter((f) => fs.existsSync(f));
  if (found.length === 2) throw badInput(`${dir} has both posts.csv and posts.jsonl: keep one`);
  return found[0] ?? null;
}

/**
 * The folder itself when it holds posts.csv / posts.jsonl, else each direct subfolder that does
 * (a `boig world` output has social/ and stock/). Dataset names: NAME, or NAME/subfolder.
 */
export function findImportSources(dir: string, name?: string): ImportSource[] {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw badInput(`${dir} is not a folder`);
  const baseName = name ?? path.basename(root);
  const own = postsFileIn(root);
  if (own) return [{ dir: root, file: own, datasetName: baseName }];
  const sources = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .flatMap((sub) => {
      const file = postsFileIn(path.join(root, sub));
      return file ? [{ dir: path.join(root, sub), file, datasetName: `${baseName}/${sub}` }] : [];
    });
  if (sources.length === 0) throw badInput(`No posts.csv or posts.jsonl in ${dir} or its subfolders`);
  return sources;
}
