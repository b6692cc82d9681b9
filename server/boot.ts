/**
 * Process start-up shared by the web app (instrumentation.ts) and `boig worker`: open and
 * migrate the database, make sure an admin exists, start the job worker. Idempotent.
 */
import { env } from "./env";
import { getDbHandle } from "./db/client";
import { ensureFirstAdmin } from "./services/ensureFirstAdmin";
import { ensureDemoWorldQueued } from "./services/ensureDemoWorld";
import { ensureCommittedModels } from "./services/ensureCommittedModels";
import { refreshActiveModels } from "./services/activeModels";
import { startWorker } from "./jobs/worker";
import { backgroundJobHandlers, interactiveJobHandlers } from "./jobs/handlers";

type Worker = ReturnType<typeof startWorker>;
type Booted = { worker: { workerIds: string[]; stop: () => Promise<void> } | null };
const holder = globalThis as { __boigBoot?: Promise<Booted> };

export function boot(options: { worker: boolean; log?: (line: string) => void }): Promise<Booted> {
  holder.__boigBoot ??= (async () => {
    const log = options.log ?? ((line: string) => console.log(line));
    const { db, kind } = await getDbHandle();
    const config = env();
    const admin = await ensureFirstAdmin(db, { email: config.BOIG_ADMIN_EMAIL, password: config.BOIG_ADMIN_PASSWORD });
    if (admin.created && admin.generatedPassword) {
      log(
        [
          "",
          "==================================================================",
          " BOIG Studio: first admin created (this password is shown only once)",
          `   email:    ${admin.email}`,
          `   password: ${admin.generatedPassword}`,
          "==================================================================",
          "",
        ].join("\n"),
      );
    } else if (admin.created) log(`BOIG Studio: first admin is ${admin.email} (from BOIG_ADMIN_EMAIL)`);
    // The model registry: committed artifacts as versions (none made active), then which versions
    // the admins promoted, before anything serves a model.
    for (const m of await ensureCommittedModels(db))
      if (m.status === "invalid") log(`BOIG Studio: committed ${m.role} model at ${m.dir} is not registered: ${m.error}`);
    await refreshActiveModels(db);
    if (config.BOIG_DEMO_WORLD === "1" && (await ensureDemoWorldQueued(db, { postsPerBrand: config.BOIG_DEMO_POSTS_PER_BRAND })))
      log("BOIG Studio: first start: the demo world is being generated, imported and verbalized (see Admin → Data)");
    // Two lanes, one job at a time each: background work (imports, training) and the marketers'
    // generations, so a generation never waits hours behind a training run.
    const lanes: Worker[] = options.worker
      ? [backgroundJobHandlers, interactiveJobHandlers].map((handlers) =>
          startWorker(db, {
            handlers,
            staleSeconds: config.BOIG_JOB_STALE_SECONDS,
            exclusive: kind === "pglite",
            onEvent: (e) => {
              if (e.type !== "start") log(`[worker] ${e.type}${e.jobId ? ` ${e.jobId}` : ""}${e.message ? `: ${e.message}` : ""}`);
            },
          }),
        )
      : [];
    const worker = lanes.length
      ? { workerIds: lanes.map((l) => l.workerId), stop: async () => void (await Promise.all(lanes.map((l) => l.stop()))) }
      : null;
    log(`BOIG Studio: database ${kind}${worker ? `, workers ${worker.workerIds.join(", ")}` : ""}`);
    return { worker };
  })();
  return holder.__boigBoot;
}
