/**
 * Database integrity after a campaign of kills, as a list of problems (empty = sound), so a failing
 * test names every broken row at once. PostgreSQL enforces foreign keys and CHECK constraints on
 * every write, but a kill is exactly when one wants to see that they still hold on what is on disk
 * (a torn page, a WAL replay that went wrong, a constraint dropped by a bad migration). The
 * constraints are read from the catalog, not listed here, so a table added later is checked too.
 * The same queries run on PGlite and on a PostgreSQL server.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/server/db/client";
import { checkArtifactFiles } from "@/server/services/checkArtifactFiles";

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const count = async (db: Db, query: string) => (await queryRows<{ n: number }>(db, sql.raw(query)))[0]!.n;

/** Rows whose foreign key names no row of the referenced table, per constraint. */
async function orphanRows(db: Db): Promise<string[]> {
  // string_agg rather than arrays: PGlite and node-postgres parse name[] differently.
  const fks = await queryRows<{ name: string; child: string; parent: string; child_cols: string; parent_cols: string }>(
    db,
    sql`select c.conname as name, c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent,
          (select string_agg(a.attname, ',' order by k.i) from unnest(c.conkey) with ordinality k(n, i)
             join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n) as child_cols,
          (select string_agg(a.attname, ',' order by k.i) from unnest(c.confkey) with ordinality k(n, i)
             join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n) as parent_cols
        from pg_constraint c where c.contype = 'f' and c.connamespace = 'public'::regnamespace`,
  );
  if (fks.length === 0) return ["no foreign keys found in the catalog (is this the app's database?)"];
  const problems: string[] = [];
  for (const fk of fks) {
    const childCols = fk.child_cols.split(",");
    const parentCols = fk.parent_cols.split(",");
    const set = childCols.map((c) => `c.${ident(c)} is not null`).join(" and ");
    const match = childCols.map((c, i) => `p.${ident(parentCols[i]!)} = c.${ident(c)}`).join(" and ");
    const n = await count(db, `select count(*)::int as n from ${fk.child} c where ${set} and not exists (select 1 from ${fk.parent} p where ${match})`);
    if (n > 0) problems.push(`${n} ${fk.child} rows break foreign key ${fk.name} (→ ${fk.parent})`);
  }
  return problems;
}

/** Rows for which a CHECK constraint's expression is false (NULL passes, as in PostgreSQL). */
async function checkViolations(db: Db): Promise<string[]> {
  const checks = await queryRows<{ name: string; tbl: string; def: string }>(
    db,
    sql`select conname as name, conrelid::regclass::text as tbl, pg_get_constraintdef(oid) as def
        from pg_constraint where contype = 'c' and connamespace = 'public'::regnamespace`,
  );
  const problems: string[] = [];
  for (const check of checks) {
    const expression = check.def.replace(/^CHECK\s*/, "").replace(/\s+NOT VALID$/, "");
    const n = await count(db, `select count(*)::int as n from ${check.tbl} where not ${expression}`);
    if (n > 0) problems.push(`${n} ${check.tbl} rows violate ${check.name}: ${expression}`);
  }
  return problems;
}

/** Jobs a dead worker left: running without an owner, or without a heartbeat for `staleSeconds`. */
async function runningWithoutLiveLock(db: Db, staleSeconds: number): Promise<string[]> {
  const rows = await queryRows<{ id: string; kind: string; locked_by: string | null }>(
    db,
    sql`select id, kind, locked_by from jobs where status = 'running'
          and (locked_by is null or heartbeat_at is null or heartbeat_at < now() - make_interval(secs => ${staleSeconds}))`,
  );
  const unfinished = await queryRows<{ id: string; status: string }>(
    db,
    sql`select id, status from jobs where status in ('succeeded', 'failed', 'cancelled') and finished_at is null`,
  );
  return [
    ...rows.map((r) => `job ${r.id} (${r.kind}) is running without a live lock (locked_by ${r.locked_by ?? "null"})`),
    ...unfinished.map((r) => `job ${r.id} is ${r.status} without finished_at`),
  ];
}

/** Every stored image (generated or imported) exists under the data dir with its recorded sha256. */
async function storedFiles(db: Db, dataDir: string): Promise<string[]> {
  const rows = await queryRows<{ tbl: string; id: string; stored_path: string; sha256: string }>(
    db,
    sql`select 'generation_images' as tbl, id, stored_path, sha256 from generation_images
        union all select 'images' as tbl, id, stored_path, sha256 from images`,
  );
  const problems: string[] = [];
  for (const row of rows) {
    const file = path.join(dataDir, row.stored_path);
    if (!fs.existsSync(file)) problems.push(`${row.tbl} ${row.id}: ${row.stored_path} is missing`);
    else if (createHash("sha256").update(fs.readFileSync(file)).digest("hex") !== row.sha256)
      problems.push(`${row.tbl} ${row.id}: ${row.stored_path} does not match its sha256`);
  }
  return problems;
}

/** The model registry: each active role's version folder exists and still matches its manifest. */
async function registry(db: Db): Promise<string[]> {
  const rows = await queryRows<{ role: string; dir: string | null; manifest_sha256: string | null }>(
    db,
    sql`select a.role, v.dir, v.manifest_sha256 from active_models a left join model_versions v on v.id = a.model_version_id`,
  );
  const problems: string[] = [];
  for (const row of rows) {
    if (!row.dir) {
      problems.push(`active ${row.role} points at no model version`);
      continue;
    }
    const checked = await checkArtifactFiles(row.dir).catch((error: Error) => error);
    if (checked instanceof Error) problems.push(`active ${row.role} at ${row.dir}: ${checked.message}`);
    else if (checked.manifestSha256 !== row.manifest_sha256) problems.push(`active ${row.role} at ${row.dir}: manifest changed since registration`);
  }
  return problems;
}

/**
 * `afterCrash`: checked right after a worker was killed, before another took its jobs over, when
 * jobs left running by the dead worker are expected (recovery is what makes them queued again).
 */
export async function integrityProblems(db: Db, options: { dataDir: string; staleSeconds: number; afterCrash?: boolean }): Promise<string[]> {
  return [
    ...(await orphanRows(db)),
    ...(await checkViolations(db)),
    ...(options.afterCrash ? [] : await runningWithoutLiveLock(db, options.staleSeconds)),
    ...(await storedFiles(db, options.dataDir)),
    ...(await registry(db)),
  ];
}
