/** A throwaway BOIG_DATA_DIR for one test file: set before the suite, restored and deleted after. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resetEnv } from "@/server/env";

export function useTempDataDir(prefix: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `boig-${prefix}-`));
  const saved = process.env.BOIG_DATA_DIR;
  return {
    root,
    dataDir: path.join(root, "data"),
    enter() {
      process.env.BOIG_DATA_DIR = path.join(root, "data");
      resetEnv();
    },
    leave() {
      if (saved === undefined) delete process.env.BOIG_DATA_DIR;
      else process.env.BOIG_DATA_DIR = saved;
      resetEnv();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
