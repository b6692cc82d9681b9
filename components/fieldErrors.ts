import { errorText } from "./errorText";

export type FieldErrors = Partial<Record<string, string>>;

/**
 * Splits a tRPC client error into messages per form field (from the `fields` the server's error
 * formatter sends for zod and BAD_INPUT errors) and the rest as one line. `fieldOf` maps a
 * server path ("date", "keywords.2", "imageBase64") to the form's field key, or null when the
 * form has no such field (then it goes to `rest`).
 */
export function splitFieldErrors(err: unknown, fieldOf: (path: string) => string | null): { fields: FieldErrors; rest: string | null } {
  const e = err as { message?: string; data?: { fields?: { path: string; message: string }[] | null } } | null;
  const list = e?.data?.fields;
  if (!list?.length) return { fields: {}, rest: err ? errorText(err) : null };
  const fields: FieldErrors = {};
  const rest: string[] = [];
  for (const f of list) {
    const key = fieldOf(f.path);
    if (key && !fields[key]) fields[key] = f.message;
    else if (!key) rest.push(`${f.path}: ${f.message}`);
  }
  return { fields, rest: rest.length ? rest.join(" · ") : null };
}

/** "is required" under a field labelled "Prompt" reads "Prompt is required"; other messages stand alone. */
export function fieldMessage(label: string, message: string): string {
  if (/^(is|are|must|lists|needs|has|was|cannot)\b/.test(message)) return `${label} ${message}`;
  return message.charAt(0).toUpperCase() + message.slice(1);
}
