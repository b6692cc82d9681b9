import { getDb } from "../db/client";
import { getSessionUser } from "../auth/currentUser";
import type { Context } from "./trpc";

export async function createTRPCContext(): Promise<Context> {
  return { db: await getDb(), user: await getSessionUser() };
}
