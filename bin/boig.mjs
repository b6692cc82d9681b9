#!/usr/bin/env node
// `boig` entry point: runs the TypeScript CLI through tsx, from any working directory.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

process.env.BOIG_REPO_ROOT ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
register();
await import("../server/cli/main.ts");
