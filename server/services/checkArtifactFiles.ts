/**
 * Checks an artifact folder against its manifest.json: the manifest is valid and every file it
 * lists exists with the listed size and sha256. Returns the manifest and the sha256 of
 * manifest.json itself, which pins every byte of the artifact (it lists every file's sha256).
 * Files are hashed as streams: BoigSD's weights are tens of MB and registries grow.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { modelInvalid } from "../errors";
import { readManifest, type Manifest } from "../ml/manifest";

export type CheckedArtifact = { manifest: Manifest; manifestSha256: string; files: string[] };

async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  await pipeline(fs.createReadStream(file), async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  });
  return { sha256: hash.digest("hex"), bytes };
}

export async function checkArtifactFiles(artifactDir: string): Promise<CheckedArtifact> {
  const dir = path.resolve(artifactDir);
  if (!fs.existsSync(path.join(dir, "manifest.json"))) throw modelInvalid(`${dir} has no manifest.json`, { artifactDir: dir });
  const manifest = await readManifest(dir);
  const manifestSha256 = createHash("sha256").update(await readFile(path.join(dir, "manifest.json"))).digest("hex");
  const files = Object.keys(manifest.files).sort();
  const realDir = fs.realpathSync(dir);
  for (const name of files) {
    const file = path.resolve(dir, name);
    // A manifest naming ../something would make us hash (and later copy) files outside the artifact.
    if (!file.startsWith(dir + path.sep))
      throw modelInvalid(`${dir}/manifest.json lists ${name}, which is outside the artifact folder`, { artifactDir: dir, file: name });
    // So would a listed file that is a symbolic link out of the folder (registering a run's
    // artifact copies it with links dereferenced): the real path must stay inside too.
    let real: string | null = null;
    try {
      real = fs.realpathSync(file);
    } catch {
      /* missing: reported as unreadable below */
    }
    if (real !== null && !real.startsWith(realDir + path.sep))
      throw modelInvalid(`${dir}/manifest.json lists ${name}, which links outside the artifact folder`, { artifactDir: dir, file: name });
    let actual: { sha256: string; bytes: number };
    try {
      actual = await sha256File(file);
    } catch (error) {
      throw modelInvalid(`cannot read ${file}: ${(error as Error).message}`, { artifactDir: dir, file: name });
    }
    const expected = manifest.files[name]!;
    if (actual.sha256 !== expected.sha256)
      throw modelInvalid(`${file} has sha256 ${actual.sha256}, but the manifest expects ${expected.sha256}`, {
        artifactDir: dir,
        file: name,
        expectedSha256: expected.sha256,
        actualSha256: actual.sha256,
      });
    if (actual.bytes !== expected.bytes)
      throw modelInvalid(`${file} has ${actual.bytes} bytes, but the manifest says ${expected.bytes}`, { artifactDir: dir, file: name });
  }
  return { manifest, manifestSha256, files };
}
