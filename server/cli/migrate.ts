import type { Command } from "commander";
import { closeDb, getDbHandle } from "../db/client";

/** `boig migrate`: apply drizzle/ migrations to the configured database and exit. */
export function registerMigrate(program: Command) {
  program
    .command("migrate")
    .description("apply database migrations (the app and worker also do this at start)")
    .action(async () => {
      const { kind } = await getDbHandle();
      await closeDb();
      process.stderr.write(`boig migrate: ${kind} database is up to date\n`);
    });
}
