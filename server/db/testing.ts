/**
 * Fresh, migrated databases for tests: in-memory PGlite by default, or a brand-new database
 * on the Postgres server at TEST_DATABASE_URL when BOIG_TEST_DB=postgres (CI runs both).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPglite, openPostgres, type DbHandle } from "./client";

export const testDbKind = () => (process.env.BOIG_TEST_DB === "postgres" ? "postgres" : "pglite");

async function adminQuery(text: string) {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

/** A fresh empty database on the test server (for child processes), or null under PGlite. */
export async function createTestDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> } | null> {
  if (testDbKind() === "pglite") return null;
  if (!process.env.TEST_DATABASE_URL) throw new Error("BOIG_TEST_DB=postgres needs TEST_DATABASE_URL");
  const name = `boig_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(process.env.TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

export async function createTestDb(): Promise<DbHandle> {
  const server = await createTestDatabaseUrl();
  if (!server) return openPglite(null);
  const handle = await openPostgres(server.url);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await server.drop();
    },
  };
}
