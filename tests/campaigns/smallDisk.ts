/**
 * A data dir that can be made to refuse writes, for the full-disk part of the fault campaign.
 * - As root with CAP_SYS_ADMIN (CI's `./studio test` runs as root): a real tmpfs of a few MB is
 *   mounted on the folder, and "full" means a filler file took every free byte: writes fail with a
 *   real ENOSPC from the kernel, nothing is mocked.
 * - Otherwise, not root: no tmpfs without privileges, so the folder is made read-only (chmod 0555):
 *   writes fail with EACCES, the same path through the image store with another errno.
 * - Root without mount rights (a locked-down container): root ignores file modes, so neither works
 *   and `mode` is null: the test is skipped and says why.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export type SmallDiskMode = "tmpfs" | "read-only" | null;

export function createSmallDisk(dir: string, sizeBytes: number) {
  fs.mkdirSync(dir, { recursive: true });
  let mode: SmallDiskMode = null;
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes},mode=0755`, "tmpfs", dir], { stdio: "pipe" });
      mode = "tmpfs";
    } catch {
      mode = null;
    }
  } else mode = "read-only";
  const filler = path.join(dir, "filler.bin");
  const readOnlyDirs: string[] = [];

  return {
    mode,
    /** Takes the remaining space (tmpfs), or makes `writableDirs` read-only. */
    fill(writableDirs: string[]) {
      if (mode === "tmpfs") {
        const fd = fs.openSync(filler, "w");
        try {
          const chunk = Buffer.alloc(64 * 1024, 1);
          for (;;) fs.writeSync(fd, chunk); // until the kernel says ENOSPC
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
        } finally {
          fs.closeSync(fd);
        }
      } else if (mode === "read-only") {
        // Every folder below too: an image whose sha256 prefix folder exists would still be written.
        const walk = (d: string): string[] => [d, ...fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => walk(path.join(d, e.name)))];
        for (const d of writableDirs) {
          fs.mkdirSync(d, { recursive: true });
          for (const sub of walk(d)) {
            fs.chmodSync(sub, 0o555);
            readOnlyDirs.push(sub);
          }
        }
      }
    },
    /** Gives the space (or the write permission) back. */
    free() {
      fs.rmSync(filler, { force: true });
      for (const d of readOnlyDirs.splice(0)) fs.chmodSync(d, 0o755);
    },
    /** The errno a write sees while full. */
    expectedCode: mode === "tmpfs" ? "ENOSPC" : "EACCES",
    dispose() {
      this.free();
      if (mode === "tmpfs") execFileSync("umount", [dir], { stdio: "pipe" });
    },
  };
}
