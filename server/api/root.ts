/**
 * The app router. Namespaces decide access (enforced by the role-matrix test):
 * `public.*` anyone, `admin.*` admins only, everything else signed-in marketers and admins.
 */
import { router } from "./trpc";
import { publicRouter } from "./routers/public";
import { meRouter } from "./routers/me";
import { adminUsersRouter } from "./routers/adminUsers";
import { adminJobsRouter } from "./routers/adminJobs";
import { adminRunsRouter } from "./routers/adminRuns";
import { dataRouter } from "./routers/data";
import { adminDataRouter } from "./routers/adminData";
import { adminModelsRouter } from "./routers/adminModels";
import { adminEvalsRouter } from "./routers/adminEvals";
import { llmRouter } from "./routers/llm";
import { studioRouter } from "./routers/studio";

export const appRouter = router({
  public: publicRouter,
  me: meRouter,
  data: dataRouter,
  llm: llmRouter,
  studio: studioRouter,
  admin: router({ users: adminUsersRouter, jobs: adminJobsRouter, runs: adminRunsRouter, data: adminDataRouter, models: adminModelsRouter, evals: adminEvalsRouter }),
});

export type AppRouter = typeof appRouter;
