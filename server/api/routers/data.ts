import { z } from "zod";
import { marketerProcedure, router } from "../trpc";
import { getBootstrapStatus } from "../../services/getBootstrapStatus";
import { getDatasetInsights } from "../../services/getDatasetInsights";
import { listBrands } from "../../services/listBrands";
import { listDatasets } from "../../services/listDatasets";

export const dataRouter = router({
  datasets: marketerProcedure.query(({ ctx }) => listDatasets(ctx.db)),
  brands: marketerProcedure.query(({ ctx }) => listBrands(ctx.db)),
  insights: marketerProcedure
    .input(z.object({ datasetId: z.string().uuid("datasetId must be a UUID") }))
    .query(({ ctx, input }) => getDatasetInsights(ctx.db, input.datasetId)),
  bootstrapStatus: marketerProcedure.query(({ ctx }) => getBootstrapStatus(ctx.db)),
});
