import { importErrorsCsvRoute } from "@/server/http/adminImports";

/** An import report's rejected rows as CSV (line, column, reason). */
export const GET = importErrorsCsvRoute;
