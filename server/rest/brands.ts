/** GET /api/v1/brands — the brands a generation can be for (data.brands). */
import { listBrands } from "../services/listBrands";
import { json, restRoute } from "./route";

export const listBrandsRoute = restRoute("marketer", async ({ db }) => json({ items: await listBrands(db) }));
