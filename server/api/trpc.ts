/**
 * tRPC base: context, the three access levels, and the one mapping from AppError to tRPC
 * error codes. Every procedure must be built from publicProcedure, marketerProcedure or
 * adminProcedure (the role-matrix test rejects any other).
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Db } from "../db/client";
import type { Role } from "../db/schema";
import { AppError, type AppErrorCode } from "../errors";
import { takeModelCall } from "../services/throttleModelCalls";
import { refuseUnstorableText } from "../services/validation";

export type SessionUser = { id: string; email: string; name: string; role: Role };
export type Context = { db: Db; user: SessionUser | null };
export type Access = "public" | "marketer" | "admin";
export type ProcedureMeta = { access: Access };

const TRPC_CODE: Record<AppErrorCode, TRPCError["code"]> = {
  BAD_INPUT: "BAD_REQUEST",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  UNAUTHENTICATED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  MODEL_INVALID: "INTERNAL_SERVER_ERROR",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

export function toTRPCError(err: unknown): TRPCError {
  if (err instanceof TRPCError) return err;
  if (err instanceof AppError) return new TRPCError({ code: TRPC_CODE[err.code], message: err.message, cause: err });
  if (err instanceof ZodError) return new TRPCError({ code: "BAD_REQUEST", message: "Invalid input", cause: err });
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal error", cause: err instanceof Error ? err : undefined });
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const fields =
        cause instanceof ZodError
          ? cause.issues.map((i) => ({ path: i.path.join(".") || "(input)", message: i.message }))
          : cause instanceof AppError
            ? ((cause.details?.fields as { path: string; message: string }[] | undefined) ?? null)
            : null;
      return { ...shape, data: { ...shape.data, appCode: cause instanceof AppError ? cause.code : null, fields } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Maps whatever a resolver throws to a tRPC error, once, for every procedure. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error.cause ?? result.error);
  return result;
});

/** No input may carry text the database cannot store (U+0000, broken Unicode): BAD_REQUEST naming the field. */
const refuseUnstorable = t.middleware(async ({ getRawInput, next }) => {
  refuseUnstorableText(await getRawInput());
  return next();
});

const base = t.procedure.use(mapErrors).use(refuseUnstorable);

export const publicProcedure = base.meta({ access: "public" });

/**
 * For procedures that run BoigLLM outside a generation: counts the call against the user's
 * per-minute share (throttleModelCalls.ts). Use it after `.input(...)`, so that a request the
 * schema refuses costs nothing and still says what is wrong with it.
 */
export const countsAsModelCall = t.middleware(({ ctx, next }) => {
  if (ctx.user) takeModelCall(ctx.user.id);
  return next();
});

export const marketerProcedure = base.meta({ access: "marketer" }).use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

export const adminProcedure = base.meta({ access: "admin" }).use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  if (ctx.user.role !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: "Admins only" });
  return next({ ctx: { ...ctx, user: ctx.user } });
});
