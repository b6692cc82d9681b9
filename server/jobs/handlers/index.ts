import type { JobHandlers } from "../types";
import { bootstrapWorldHandler } from "./bootstrapWorld";
import { dataImportHandler } from "./dataImport";
import { trainerRunHandler } from "./trainerRun";

/** Every job kind the app's workers run. */
export const jobHandlers: JobHandlers = {
  "trainer.run": trainerRunHandler as never,
  "data.import": dataImportHandler as never,
  "data.bootstrap": bootstrapWorldHandler as never,
};
