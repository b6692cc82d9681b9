/**
 * PGlite is a single-process database: two processes opening the same data dir corrupt it.
 * A pid lock file refuses a second opener while the first is alive; a lock left by a dead
 * process (crash, SIGKILL) is taken over, which is what lets a killed worker restart.
 */
import fs from "node:fs";
import path from "node:path";
import { AppError } from "../errors";

const lockPath = (dataDir: string) => path.join(dataDir, "pglite.lock");

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function acquireDataDirLock(dataDir: string) {
  const file = lockPath(dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holderPid = Number(fs.readFileSync(file, "utf8").trim());
      if (holderPid === process.pid) return;
      if (Number.isInteger(holderPid) && holderPid > 0 && isAlive(holderPid)) {
        throw new AppError(
          "UNAVAILABLE",
          `The embedded database in ${dataDir} is in use by process ${holderPid}. ` +
            `Stop that process (the app or a worker), or point both at a Postgres server with DATABASE_URL.`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new AppError("UNAVAILABLE", `Could not lock the embedded database in ${dataDir}`);
}

export function releaseDataDirLock(dataDir: string) {
  const file = lockPath(dataDir);
  try {
    if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.rmSync(file);
  } catch {
    /* already gone */
  }
}
