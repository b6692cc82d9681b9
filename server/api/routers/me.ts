import { marketerProcedure, router } from "../trpc";
import { createApiKey, createApiKeyInput } from "../../services/createApiKey";
import { listApiKeys } from "../../services/listApiKeys";
import { revokeApiKey, revokeApiKeyInput } from "../../services/revokeApiKey";

export const meRouter = router({
  get: marketerProcedure.query(({ ctx }) => ctx.user),
  /** The signed-in user's own API keys for the REST API (Settings page). */
  apiKeys: router({
    list: marketerProcedure.query(({ ctx }) => listApiKeys(ctx.db, ctx.user.id)),
    create: marketerProcedure.input(createApiKeyInput).mutation(({ ctx, input }) => createApiKey(ctx.db, ctx.user.id, input)),
    revoke: marketerProcedure.input(revokeApiKeyInput).mutation(({ ctx, input }) => revokeApiKey(ctx.db, ctx.user.id, input)),
  }),
});
