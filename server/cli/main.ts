/**
 * `boig`: one CLI for every batch operation (SPEC §2). It calls the same services as the app.
 * Subcommands not built yet say which issue brings them and exit 2.
 */
import { Command, Option } from "commander";
import { AppError } from "../errors";
import { registerTrain } from "./train";
import { registerWorker } from "./worker";
import { registerMigrate } from "./migrate";
import { registerImport } from "./import";
import { registerWorld } from "./world";
import { registerVerbalize } from "./verbalize";
import { registerEval } from "./eval";
import { registerInstructions } from "./instructions";
import { registerScore } from "./score";
import { registerEvalReward } from "./evalReward";
import { registerRewardServer } from "./rewardServer";
import { registerEvalSd } from "./evalSd";
import { registerGenerate } from "./generate";
import { registerBench } from "./bench";

const NOT_YET: [name: string, summary: string, arrives: string][] = [];

export function buildCli() {
  const program = new Command("boig")
    .description("BOIG Studio: behavior-optimized image generation, from the command line")
    .showHelpAfterError()
    .addOption(new Option("--json", "machine-readable output: JSON lines").default(false));
  registerWorld(program);
  registerTrain(program);
  registerWorker(program);
  registerMigrate(program);
  registerImport(program);
  registerVerbalize(program);
  registerEval(program);
  registerEvalReward(program);
  registerEvalSd(program);
  registerGenerate(program);
  registerInstructions(program);
  registerScore(program);
  registerRewardServer(program);
  registerBench(program);
  for (const [name, summary, arrives] of NOT_YET) {
    program
      .command(name)
      .description(`${summary} (not built yet)`)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        process.stderr.write(`boig ${name}: not built yet; it arrives with ${arrives}.\n`);
        process.exitCode = 2;
      });
  }
  return program;
}

buildCli()
  .parseAsync(process.argv)
  .catch((err) => {
    if (err instanceof AppError) process.stderr.write(`boig: ${err.code}: ${err.message}\n`);
    else process.stderr.write(`boig: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
