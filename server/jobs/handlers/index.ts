import type { JobHandlers } from "../types";
import { bootstrapWorldHandler } from "./bootstrapWorld";
import { dataImportHandler } from "./dataImport";
import { evalRunHandler } from "./evalRun";
import { studioGenerateHandler } from "./studioGenerate";
import { trainerRunHandler } from "./trainerRun";

/** Long admin work (imports, training, evaluations): minutes to hours, one at a time. */
export const backgroundJobHandlers: JobHandlers = {
  "trainer.run": trainerRunHandler as never,
  "data.import": dataImportHandler as never,
  "data.bootstrap": bootstrapWorldHandler as never,
  "eval.run": evalRunHandler as never,
};

/** Marketers' interactive work (seconds): its own worker lane, never stuck behind a training run. */
export const interactiveJobHandlers: JobHandlers = {
  "studio.generate": studioGenerateHandler as never,
};

/** Every job kind the app's workers run. */
export const jobHandlers: JobHandlers = { ...backgroundJobHandlers, ...interactiveJobHandlers };
