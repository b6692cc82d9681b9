import { uploadImportRoute } from "@/server/http/adminImports";

/** Upload an import ZIP (Admin → Data): multipart `file` + optional `name` → 201 {jobId, dir, name}. */
export const POST = uploadImportRoute;
