/**
 * The app router. Namespaces decide access (enforced by the role-matrix test):
 * `public.*` anyone, `admin.*` admins only, everything else signed-in marketers and admins.
 */
import { router } from "./trpc";
import { publicRouter } from "./routers/public";
import { meRouter } from "./routers/me";
import { adminUsersRouter } from "./routers/adminUsers";
import { adminJobsRouter } from "./routers/adminJobs";

export const appRouter = router({
  public: publicRouter,
  me: meRouter,
  admin: router({ users: adminUsersRouter, jobs: adminJobsRouter }),
});

export type AppRouter = typeof appRouter;
