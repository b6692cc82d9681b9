/**
 * Starts tests/fixtures/campaignWorker.ts (a real worker process) and follows its JSON lines, so a
 * campaign can wait for "ready", SIGKILL it, and read what it logged (recovered jobs, failures).
 */
import { spawn } from "node:child_process";
import readline from "node:readline";

export type WorkerLine = { event: string; line?: string; message?: string; [k: string]: unknown };

export function startWorkerProcess(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/campaignWorker.ts", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: WorkerLine[] = [];
  const waiters: { test: (l: WorkerLine) => boolean; resolve: (l: WorkerLine) => void }[] = [];
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20_000)));
  readline.createInterface({ input: child.stdout }).on("line", (text) => {
    let line: WorkerLine;
    try {
      line = JSON.parse(text);
    } catch {
      return; // a stray print of a library
    }
    lines.push(line);
    for (const w of [...waiters]) if (w.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const describe = () => `stderr: ${stderr.slice(-3000)}\nlines: ${JSON.stringify(lines.slice(-30))}`;
  return {
    pid: child.pid!,
    lines,
    exited,
    describe,
    /** The first line passing `test` (seen already or still to come); fails on exit or timeout. */
    waitFor(test: (l: WorkerLine) => boolean, timeoutMs = 120_000) {
      return new Promise<WorkerLine>((resolve, reject) => {
        const found = lines.find(test);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error(`worker: timed out after ${timeoutMs} ms\n${describe()}`)), timeoutMs);
        waiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`worker exited (code ${code}, signal ${signal}) before the awaited line\n${describe()}`));
        });
      });
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill() {
      child.kill("SIGKILL");
      return exited;
    },
    /** Log lines of the worker lanes ("[worker] recovered <id>: queued" and the like). */
    workerLog: () => lines.filter((l) => l.event === "log" && l.line?.startsWith("[worker]")).map((l) => l.line!),
  };
}

export type WorkerProcess = ReturnType<typeof startWorkerProcess>;
