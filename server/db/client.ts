/**
 * Opens the database once per process: PGlite (embedded, data under BOIG_DATA_DIR/pglite)
 * or a Postgres server when DATABASE_URL is set. Migrations from drizzle/ run on open.
 *
 * Invariant: one PGlite instance per process, kept on globalThis because Next.js may load
 * this module in several bundles (instrumentation, route handlers) of the same process.
 */
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { type SQL } from "drizzle-orm";
import pg from "pg";
import { env } from "../env";
import * as schema from "./schema";
import { acquireDataDirLock, releaseDataDirLock } from "./dataDirLock";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type DbHandle = { db: Db; kind: "pglite" | "postgres"; close: () => Promise<void> };

const migrationsFolder = () => path.join(env().repoRoot, "drizzle");

export async function openPglite(dataDir: string | null): Promise<DbHandle> {
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    acquireDataDirLock(dataDir);
  }
  const client = dataDir ? new PGlite(path.join(dataDir, "pglite")) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  await migratePglite(db as never, { migrationsFolder: migrationsFolder() });
  return {
    db,
    kind: "pglite",
    close: async () => {
      await client.close();
      if (dataDir) releaseDataDirLock(dataDir);
    },
  };
}

export async function openPostgres(url: string): Promise<DbHandle> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  // Several processes may start at once against one server: serialize migrations.
  const lockClient = await pool.connect();
  try {
    await lockClient.query("select pg_advisory_lock(727274)");
    await migratePg(db as never, { migrationsFolder: migrationsFolder() });
  } finally {
    await lockClient.query("select pg_advisory_unlock(727274)").catch(() => {});
    lockClient.release();
  }
  return { db, kind: "postgres", close: () => pool.end() };
}

type Holder = { __boigDb?: Promise<DbHandle> };
const holder = globalThis as Holder;

/** The process-wide database, opened (and migrated) on first use. */
export function getDbHandle(): Promise<DbHandle> {
  if (!holder.__boigDb) {
    const { DATABASE_URL, dataDir } = env();
    holder.__boigDb = (DATABASE_URL ? openPostgres(DATABASE_URL) : openPglite(dataDir)).catch(
      (err) => {
        holder.__boigDb = undefined;
        throw err;
      },
    );
  }
  return holder.__boigDb;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

export async function closeDb() {
  const pending = holder.__boigDb;
  holder.__boigDb = undefined;
  if (pending) await (await pending).close();
}

/** Raw SQL returning rows, identical on PGlite and node-postgres. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
