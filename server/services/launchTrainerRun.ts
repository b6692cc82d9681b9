import { z } from "zod";
import type { Db } from "../db/client";
import { enqueueJob } from "./enqueueJob";
import { parseInput } from "./validation";
import { recordAudit } from "./recordAudit";

/** The trainer tasks a run can launch; later issues add llm, detector, sd-base, sd-sft, ddpo. */
export const TRAINER_TASKS = ["tiny"] as const;

export const launchTrainerRunInput = z.object({
  task: z.enum(TRAINER_TASKS),
  preset: z.enum(["tiny", "default"]).default("tiny"),
  steps: z.number().int().min(1).max(1_000_000).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  device: z.enum(["cpu", "cuda"]).default("cpu"),
});
export type TrainerRunPayload = z.infer<typeof launchTrainerRunInput>;

/** Queues a training run as a durable job (the worker runs the Python trainer as a subprocess). */
export async function launchTrainerRun(db: Db, input: z.input<typeof launchTrainerRunInput>, actorId: string | null) {
  const payload = parseInput(launchTrainerRunInput, input);
  const job = await enqueueJob(db, { kind: "trainer.run", payload, maxAttempts: 3 }, actorId);
  await recordAudit(db, { actorId, action: "run.launch", target: job.id, details: payload });
  return job;
}
