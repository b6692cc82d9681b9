import type { Command } from "commander";
import { boot } from "../boot";
import { closeDb } from "../db/client";

/** `boig worker`: a standalone job worker (for the Postgres setup: run N of them). */
export function registerWorker(program: Command) {
  program
    .command("worker")
    .description("run a job worker against DATABASE_URL (or the embedded database when the app is not running)")
    .action(async () => {
      const { worker } = await boot({ worker: true, log: (line) => process.stderr.write(`${line}\n`) });
      await new Promise<void>((resolve) => {
        const stop = async (signal: string) => {
          process.stderr.write(`boig worker: ${signal}, finishing the current step and handing jobs back\n`);
          await worker?.stop();
          await closeDb();
          resolve();
        };
        process.once("SIGINT", () => void stop("SIGINT"));
        process.once("SIGTERM", () => void stop("SIGTERM"));
      });
    });
}
