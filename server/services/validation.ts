/** Shared zod pieces for service inputs, and the one place that turns zod failures into AppErrors. */
import { z } from "zod";
import { badInput } from "../errors";
import { ROLES } from "../db/schema";

export const emailSchema = z.string().trim().toLowerCase().email("Enter a valid email address");
export const passwordSchema = z
  .string()
  .min(8, "Password must be at least 8 characters")
  .max(200, "Password must be at most 200 characters");
export const roleSchema = z.enum(ROLES);

/** Parses or throws BAD_INPUT naming each field and what is wrong with it. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(input)", message: i.message }));
  throw badInput(fields.map((f) => `${f.path}: ${f.message}`).join("; "), { fields });
}
