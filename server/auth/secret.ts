/**
 * The session-signing secret: NEXTAUTH_SECRET, or one generated once and kept in the data dir
 * (so sessions survive restarts of the embedded setup). Several app instances need the same
 * NEXTAUTH_SECRET set explicitly.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { env } from "../env";

let cached: string | undefined;

export function authSecret(): string {
  if (cached) return cached;
  const { NEXTAUTH_SECRET, dataDir } = env();
  if (NEXTAUTH_SECRET) return (cached = NEXTAUTH_SECRET);
  const file = path.join(dataDir, "auth-secret");
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return (cached = fs.readFileSync(file, "utf8").trim());
}
