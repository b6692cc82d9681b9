import { getDbHandle } from "../../db/client";
import { publicProcedure, router } from "../trpc";

export const publicRouter = router({
  health: publicProcedure.query(async () => {
    const { kind } = await getDbHandle().catch(() => ({ kind: "unavailable" as const }));
    return { ok: kind !== "unavailable", database: kind };
  }),
});
