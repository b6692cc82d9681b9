/**
 * `boig reward-server`: the app's reward as a local service for the DDPO trainer (SPEC §5: "the
 * reward used in training must equal the reward the app serves for the same image and prompt").
 * Debian has no onnxruntime for Python, so the trainer starts this command as a subprocess and
 * talks JSON lines over its stdin/stdout; every reward goes through `scoreImages`, the service
 * behind tRPC llm.score and `boig score` — one code path, so the two cannot drift apart.
 *
 * Requests (one JSON object per line):
 *   {"id": 1, "op": "ping"}
 *   {"id": 2, "op": "reward", "items": [{kind, brand, date, prompt, keywords, png (base64)}]}   (with --world, also the diagnostic `ceiling`)
 *   {"id": 3, "op": "true_kpi", "items": [{kind, brand, date, prompt, keywords, png}]}   (needs --world)
 *   {"id": 4, "op": "set_reference", "pngs": [base64 PNG, ...]}   real images for the FID-like distance
 *   {"id": 5, "op": "fid_like", "pngs": [...]}   FID-like distance of these images to the reference (eval/fidLike.ts)
 * Replies: {"id", "ok": true, ...} or {"id", "ok": false, "error": "what is wrong, where"}.
 * Nothing but replies is written to stdout; a malformed line gets an error reply, never a crash.
 */
import path from "node:path";
import readline from "node:readline";
import type { Command } from "commander";
import { z } from "zod";
import { AppError } from "../errors";
import { decodeImage } from "../verbalize/decodeImage";
import { checkBrand, promptFieldsShape, resolveKind } from "../services/promptFieldsInput";
import { scoreImages } from "../services/scoreImages";
import { estimateTrueKpis, expectedKpiOf, type TrueKpiContext } from "../services/estimateTrueKpis";
import { loadServedReward, modelInfo } from "../services/loadServedBoigLlm";
import { loadWorldModel, type WorldModel } from "../world/worldModel";
import { fidLike } from "../eval/fidLike";
import { imageFeatures } from "../ml/imageFeatures";

/** MobileNetV2 features of the FID-like reference images (op set_reference), per server process. */
let reference: Float32Array[] | null = null;

// The same checks as scoreImages' input (brand required for social), here so errors name the request's fields (items.N.brand).
const itemSchema = z.object({ ...promptFieldsShape, png: z.string().min(1, { error: "is required (base64 PNG)" }) }).superRefine(checkBrand);
const requestSchema = z.discriminatedUnion("op", [
  z.object({ id: z.number().int(), op: z.literal("ping") }),
  z.object({ id: z.number().int(), op: z.literal("reward"), items: z.array(itemSchema).min(1) }),
  z.object({ id: z.number().int(), op: z.literal("true_kpi"), items: z.array(itemSchema).min(1) }),
  z.object({ id: z.number().int(), op: z.literal("set_reference"), pngs: z.array(z.string().min(1)).min(2) }),
  z.object({ id: z.number().int(), op: z.literal("fid_like"), pngs: z.array(z.string().min(1)).min(2) }),
]);
type Item = z.output<typeof itemSchema>;

export function registerRewardServer(program: Command) {
  program
    .command("reward-server")
    .description("serve the BoigLLM reward (and the world's true KPI) as JSON lines on stdin/stdout, for the DDPO trainer")
    .option("--model <dir>", "BoigLLM artifact folder that scores (default: the served reward model: $BOIG_REWARD_DIR or models/artifacts/boigllm-reward)")
    .option("--world <dir>", "a `boig world` folder: enables op true_kpi (its world.json)")
    .option("--eval-detector <dir>", "evaluation detector for true_kpi (default: models/artifacts/scene-detector-eval)")
    .action(async (opts: { model?: string; world?: string; evalDetector?: string }) => {
      const modelDir = opts.model ? path.resolve(opts.model) : undefined;
      const world = opts.world ? loadWorldModel(path.join(path.resolve(opts.world), "world.json")) : null;
      const evalDetectorDir = opts.evalDetector ? path.resolve(opts.evalDetector) : undefined;
      const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.trim()) continue;
        const reply = await handle(line, modelDir, world, evalDetectorDir);
        process.stdout.write(JSON.stringify(reply) + "\n");
      }
    });
}

async function handle(line: string, modelDir: string | undefined, world: WorldModel | null, evalDetectorDir: string | undefined) {
  let id: number | null = null;
  try {
    const raw: unknown = JSON.parse(line);
    if (raw && typeof raw === "object" && typeof (raw as { id?: unknown }).id === "number") id = (raw as { id: number }).id;
    const parsed = requestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { id, ok: false, error: `${issue.path.join(".") || "request"}: ${issue.message}` };
    }
    const request = parsed.data;
    if (request.op === "ping") return { id, ok: true, model: modelInfo(await loadServedReward(modelDir)), world: world !== null };
    if (request.op === "reward") {
      request.items.forEach((item, i) => decodeAt(item.png, i)); // a bad PNG is items.N.png, not scoreImages' N.image
      const scored = await scoreImages(request.items.map(toScoreInput), { modelDir, breakdown: false });
      return {
        id, ok: true,
        rewards: scored.map((s, i) => ({
          paper: s.reward.paper, paperMean: s.reward.paperMean, calibrated: s.reward.calibrated, probabilityHigh: s.reward.probabilityHigh, canonical: s.canonical,
          // With --world: the DIAGNOSTIC ceiling, log of the world's hidden expected KPI of the very verbalization
          // the reward read (eval/rewardOnSamples.ts). DDPO on it (reward_variant=ceiling) shows what a perfect
          // reward model would buy; no app reward can know it.
          ...(world ? { ceiling: Math.log(Math.max(1e-9, expectedKpiOf(world, toTrueKpiContext(request.items[i]!), s.verbalization))) } : {}),
        })),
        model: scored[0]!.model,
      };
    }
    if (request.op === "set_reference") {
      reference = await imageFeatures(request.pngs.map((png, i) => decodePng(png, `pngs.${i}`)));
      return { id, ok: true, images: reference.length };
    }
    if (request.op === "fid_like") {
      if (!reference) return { id, ok: false, error: "op fid_like needs a reference set first (op set_reference)" };
      const features = await imageFeatures(request.pngs.map((png, i) => decodePng(png, `pngs.${i}`)));
      return { id, ok: true, fidLike: fidLike(features, reference) };
    }
    if (!world) return { id, ok: false, error: "op true_kpi needs the server started with --world DIR" };
    const images = request.items.map((item, i) => decodeAt(item.png, i));
    const truth = await estimateTrueKpis(world, request.items.map(toTrueKpiContext), images, evalDetectorDir);
    return { id, ok: true, kpis: truth.map((t) => t.kpi) };
  } catch (error) {
    const message = error instanceof AppError ? error.message : error instanceof Error ? error.message : String(error);
    return { id, ok: false, error: message };
  }
}

function toScoreInput(item: Item) {
  const { png, ...fields } = item;
  return { ...fields, image: new Uint8Array(Buffer.from(png, "base64")), detector: "auto" as const };
}

function decodeAt(png: string, index: number) {
  return decodePng(png, `items.${index}.png`);
}

function decodePng(png: string, where: string) {
  try {
    return decodeImage(new Uint8Array(Buffer.from(png, "base64")));
  } catch (error) {
    throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function toTrueKpiContext(item: Item): TrueKpiContext {
  const postedAt = new Date(item.date);
  if (resolveKind(item) === "social") return { kind: "social", account: item.brand ?? "", postedAt, text: item.prompt, keywords: item.keywords };
  return { kind: "stock", releasedAt: postedAt, caption: item.prompt, keywords: item.keywords };
}
