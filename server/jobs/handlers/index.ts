import type { JobHandlers } from "../types";
import { trainerRunHandler } from "./trainerRun";

/** Every job kind the app's workers run. */
export const jobHandlers: JobHandlers = {
  "trainer.run": trainerRunHandler as never,
};
