/**
 * The Data page's two non-tRPC routes: uploading an import ZIP (a multipart body of up to
 * BOIG_MAX_IMPORT_MB, which tRPC's JSON cannot carry) and downloading an import report's rejected
 * rows as CSV. Admin session only; the upload also passes the CSRF check (sessionRoute.ts).
 */
import { badInput } from "../errors";
import { HttpError } from "../rest/httpErrors";
import { readMultipart } from "../rest/body";
import { exportImportErrors } from "../services/exportImportErrors";
import { maxImportZipBytes, uploadImportZip } from "../services/uploadImportZip";
import { adminSessionRoute } from "./sessionRoute";

/** Room for the multipart framing and the `name` field around the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

const tooLarge = (max: number) =>
  new HttpError(413, "PAYLOAD_TOO_LARGE", `The ZIP is larger than the ${max / (1024 * 1024)} MB upload limit (BOIG_MAX_IMPORT_MB); import a folder on the server instead`);

/** POST /api/admin/imports — multipart `file` (.zip) and optional `name` → 201 {jobId, dir, name}. */
export const uploadImportRoute = (req: Request) =>
  adminSessionRoute(req, async ({ db, user }) => {
    const max = maxImportZipBytes();
    const form = await readMultipart(req, {
      maxBytes: max + FORM_OVERHEAD_BYTES,
      tooLargeMessage: tooLarge(max).message,
      usage: "Send multipart/form-data with the ZIP as the `file` field and an optional `name`",
    });
    const file = form.get("file");
    if (file === null || typeof file === "string") throw badInput("file: choose a .zip file", { fields: [{ path: "file", message: "is required: choose a .zip file" }] });
    if (file.size > max) throw tooLarge(max);
    const name = form.get("name");
    const result = await uploadImportZip(
      db,
      {
        bytes: new Uint8Array(await file.arrayBuffer()),
        fileName: file.name || undefined,
        name: typeof name === "string" && name.trim() !== "" ? name : undefined,
      },
      user.id,
    );
    return Response.json(result, { status: 201, headers: { "cache-control": "no-store" } });
  });

/** GET /api/admin/imports/:reportId/errors.csv — every stored rejected row: line, column, reason. */
export const importErrorsCsvRoute = (req: Request, { params }: { params: Promise<{ reportId: string }> }) =>
  adminSessionRoute(req, async ({ db, user }) => {
    const csv = await exportImportErrors(db, (await params).reportId, user.id);
    return new Response(csv.text, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${csv.fileName}"`,
        "cache-control": "no-store",
      },
    });
  });
