/**
 * Progress for long CLI operations: a bar on a terminal, JSON lines with --json
 * (`{"type":"progress","fraction":0.4,"message":"..."}`), plain lines otherwise.
 */
import cliProgress from "cli-progress";

export type ProgressReporter = {
  update(fraction: number, message?: string): void;
  info(message: string): void;
  result(data: Record<string, unknown>): void;
  stop(): void;
};

export function createProgress(opts: { json: boolean; label: string }): ProgressReporter {
  if (opts.json) {
    const emit = (obj: object) => process.stdout.write(JSON.stringify(obj) + "\n");
    return {
      update: (fraction, message) => emit({ type: "progress", fraction, message }),
      info: (message) => emit({ type: "log", message }),
      result: (data) => emit({ type: "result", ...data }),
      stop: () => {},
    };
  }
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${opts.label} [{bar}] {percentage}% {message}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1000, 0, { message: "" });
    return {
      update: (fraction, message) => bar.update(Math.round(fraction * 1000), { message: message ?? "" }),
      info: (message) => process.stderr.write(`\n${message}\n`),
      result: (data) => process.stdout.write(JSON.stringify(data, null, 2) + "\n"),
      stop: () => bar.stop(),
    };
  }
  return {
    update: (fraction, message) => process.stderr.write(`${opts.label} ${(fraction * 100).toFixed(0)}% ${message ?? ""}\n`),
    info: (message) => process.stderr.write(`${message}\n`),
    result: (data) => process.stdout.write(JSON.stringify(data, null, 2) + "\n"),
    stop: () => {},
  };
}
