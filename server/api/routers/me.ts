import { marketerProcedure, router } from "../trpc";

export const meRouter = router({
  get: marketerProcedure.query(({ ctx }) => ctx.user),
});
