/**
 * Admin: an import folder uploaded as a ZIP (the SPEC §3.2 format, zipped). It is unpacked safely
 * into BOIG_DATA_DIR/uploads/<uuid>/ and imported by the same `data.import` job as a folder on the
 * server (queueImport). The caller (POST /api/admin/imports) has already capped the upload's size.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Db } from "../db/client";
import { env } from "../env";
import { AppError, badInput } from "../errors";
import { findImportSources } from "../import/findSources";
import { extractImportZip } from "./extractImportZip";
import { queueImport } from "./queueImport";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";

/** An uploaded archive may expand to this many times the upload limit, no more (zip bombs). */
export const MAX_EXPANSION = 4;

export const uploadImportZipInput = z.object({
  bytes: z.instanceof(Uint8Array, { message: "is required: choose a .zip file" }),
  fileName: z.string().trim().max(255, "must be at most 255 characters").optional(),
  name: z.string().trim().min(1, "cannot be blank").max(200, "must be at most 200 characters").optional(),
});

/** The upload limit in bytes (BOIG_MAX_IMPORT_MB). */
export const maxImportZipBytes = () => env().BOIG_MAX_IMPORT_MB * 1024 * 1024;

const fileError = (message: string) => badInput(`file: ${message}`, { fields: [{ path: "file", message }] });

// "PK\3\4" starts every archive with an entry; "PK\5\6" an empty one (refused later, clearly).
const looksLikeZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));

export async function uploadImportZip(db: Db, input: z.input<typeof uploadImportZipInput>, actorId: string) {
  const { bytes, fileName, name } = parseInput(uploadImportZipInput, input);
  if (bytes.length === 0) throw fileError("is empty");
  if (!looksLikeZip(bytes)) throw fileError(`is not a ZIP archive${fileName ? ` (${fileName})` : ""}: zip the import folder and upload the .zip`);

  const id = randomUUID();
  const extracted = await extractImportZip(bytes, {
    into: path.join(env().dataDir, "uploads", id),
    maxTotalBytes: MAX_EXPANSION * maxImportZipBytes(),
  });
  const datasetName = (name ?? extracted.topFolder ?? fileName?.replace(/\.zip$/i, "").trim()) || `upload-${id.slice(0, 8)}`;
  try {
    try {
      findImportSources(extracted.root, datasetName);
    } catch (err) {
      // Say it in the archive's terms, not the server's folder names.
      if (err instanceof AppError && err.code === "BAD_INPUT")
        throw fileError(
          /^No posts\.csv/.test(err.message)
            ? "holds no posts.csv or posts.jsonl, neither at its top (or in its single folder) nor in a folder one level below"
            : err.message.split(extracted.dir + path.sep).join("").split(extracted.dir).join("the ZIP"),
        );
      throw err;
    }
    const job = await queueImport(db, { dir: extracted.root, name: datasetName }, actorId, { fileName, bytes: bytes.length });
    await recordAudit(db, {
      actorId,
      action: "data.upload",
      target: job.id,
      details: { fileName, bytes: bytes.length, files: extracted.files, expandedBytes: extracted.bytes, dir: extracted.root, name: datasetName },
    });
    return { jobId: job.id, dir: extracted.root, name: datasetName };
  } catch (err) {
    // Nothing will import it: do not leave the unpacked files behind.
    fs.rmSync(extracted.dir, { recursive: true, force: true });
    throw err;
  }
}
