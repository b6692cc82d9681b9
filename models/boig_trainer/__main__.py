"""CLI: `python -m boig_trainer train tiny|detector|llm|sd-base|sd-sft|ddpo|clip --out RUN_DIR [...]`. stdout carries only JSON lines
(under torchrun, rank 0's only: distributed.py)."""
import argparse
import sys
import traceback
from typing import List, NoReturn, Optional

from .clip_config import CLIP_PRESETS
from .configs import TINY_PRESETS
from .ddpo_config import DDPO_PRESETS, REWARD_VARIANTS
from .distributed import OtherRankEmitter, launched_rank, leave_process_group, refuse_multi_process
from .detector_config import ARCHES, DETECTOR_PRESETS
from .llm_config import LLM_PRESETS, VARIANTS
from .sd_config import BUCKETS, SD_PRESETS
from .errors import TrainerError, UsageError
from .parent_watch import die_with_parent
from .progress import claim_stdout_for_protocol


class JsonErrorArgumentParser(argparse.ArgumentParser):
    """argparse would print usage and exit; we raise so the error becomes a JSON line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = JsonErrorArgumentParser(prog="boig_trainer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model and export its ONNX artifact")
    train.add_argument("model", choices=["tiny", "detector", "llm", "sd-base", "sd-sft", "ddpo", "clip"], help="which model to train")
    train.add_argument("--out", required=True, help="run dir: checkpoint.pt and artifact/ go here")
    # None = "not given", so --resume can tell a conflicting flag from a default.
    train.add_argument("--preset", choices=sorted(set(TINY_PRESETS) | set(DETECTOR_PRESETS) | set(LLM_PRESETS) | set(SD_PRESETS) | set(CLIP_PRESETS) | set(DDPO_PRESETS)), default=None, help="default: tiny")
    train.add_argument("--steps", type=positive_int, default=None, help="override the preset's step count (ddpo: epochs)")
    train.add_argument("--seed", type=int, default=None, help="default: 0")
    train.add_argument("--resume", action="store_true", help="continue from RUN_DIR/checkpoint.pt")
    train.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    train.add_argument("--data", default=None, help="detector, sd-base, clip: world folder (`boig world --out DIR`); llm: instruction folder (exportInstructions)")
    train.add_argument("--arch", choices=ARCHES, default=None, help="detector: network, default centernet")
    train.add_argument("--variant", choices=VARIANTS, default=None, help="llm: behavior (KPI in the prompt, default) or nokpi (baseline)")
    train.add_argument("--only-bucket", choices=BUCKETS, default=None, help="sd-base: train on the images of this KPI bucket only (high = the SFT baseline's data)")
    train.add_argument("--init", default=None, help="sd-sft, ddpo: the BoigSD artifact folder to start from (sd-sft: default models/artifacts/boigsd-base; ddpo: models/artifacts/boigsd-sft)")
    train.add_argument("--reward-variant", choices=REWARD_VARIANTS, default=None, help="ddpo: which BoigLLM reward to maximize (default calibrated)")
    train.add_argument("--lora-rank", type=int, default=None, help="ddpo: LoRA rank on the UNet's attention/feed-forward maps (0 = full fine-tune; default: the preset's, tiny 0, default 4)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change one setting of the preset for this run (repeatable), e.g. --set learning_rate=3e-4")
    train.add_argument("--boigllm", default=None, help="ddpo: BoigLLM artifact folder for the reward (default: the app's served one)")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    emitter = claim_stdout_for_protocol()
    if launched_rank() != 0:  # under torchrun one stream of protocol lines: rank 0's
        emitter = OtherRankEmitter(launched_rank())
    die_with_parent()
    try:
        args = build_parser().parse_args(argv)
        if args.model == "ddpo":
            refuse_multi_process("ddpo", "its rollouts are scored by one `boig reward-server` subprocess, and its sampling and PPO updates are not split across processes")
        if args.model == "clip":
            refuse_multi_process("clip", "its contrastive loss needs every rank's embeddings as negatives, which is not implemented")
        if args.only_bucket is not None and args.model != "sd-base":
            raise UsageError("--only-bucket applies to `train sd-base` only")
        ddpo_only = {"--reward-variant": args.reward_variant, "--lora-rank": args.lora_rank, "--boigllm": args.boigllm}
        if args.model != "ddpo" and any(v is not None for v in ddpo_only.values()):
            raise UsageError(f"{', '.join(k for k, v in ddpo_only.items() if v is not None)} apply to `train ddpo` only")
        if args.init is not None and args.model not in ("sd-sft", "ddpo"):
            raise UsageError("--init applies to `train sd-sft` and `train ddpo` only")
        if args.model in ("sd-sft", "ddpo"):
            if args.arch is not None or args.variant is not None or args.only_bucket is not None:
                raise UsageError(f"--arch, --variant and --only-bucket do not apply to `train {args.model}`")
            if args.model == "sd-sft":
                from .sd_command import run_train_sft  # imports torch (~1.5 s): not needed to reject bad args

                run_train_sft(args, emitter)
            else:
                from .ddpo_command import run_train_ddpo

                run_train_ddpo(args, emitter)
            return 0
        if args.model == "sd-base":
            if args.arch is not None or args.variant is not None:
                raise UsageError("--arch and --variant do not apply to `train sd-base`")
            from .sd_command import run_train_sd  # imports torch (~1.5 s): not needed to reject bad args

            run_train_sd(args, emitter)
            return 0
        if args.model == "clip":
            if args.arch is not None or args.variant is not None:
                raise UsageError("--arch and --variant do not apply to `train clip`")
            from .clip_command import run_train_clip  # imports torch (~1.5 s): not needed to reject bad args

            run_train_clip(args, emitter)
            return 0
        if args.model == "detector":
            from .detector_command import run_train_detector  # imports torch (~1.5 s): not needed to reject bad args

            run_train_detector(args, emitter)
            return 0
        if args.model == "llm":
            if args.arch is not None:
                raise UsageError("--arch applies to `train detector` only")
            from .llm_command import run_train_llm  # imports torch (~1.5 s): not needed to reject bad args

            run_train_llm(args, emitter)
            return 0
        if args.variant is not None:
            raise UsageError("--variant applies to `train llm` only")
        if args.data is not None or args.arch is not None:
            raise UsageError("--data and --arch apply to `train detector` only")
        from .train_command import run_train_tiny  # imports torch (~1.5 s): not needed to reject bad args

        run_train_tiny(args, emitter)
        return 0
    except TrainerError as error:
        emitter.emit("error", message=str(error))
        return error.exit_code
    except Exception as error:  # anything unexpected still ends the protocol with an error line
        traceback.print_exc(file=sys.stderr)
        emitter.emit("error", message=f"{type(error).__name__}: {error}")
        return 1
    finally:
        leave_process_group()


if __name__ == "__main__":
    sys.exit(main())
