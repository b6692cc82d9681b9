/** A tRPC client error as one readable line, with field-level details when the server sent them. */
export function errorText(err: unknown): string {
  const e = err as { message?: string; data?: { fields?: { path: string; message: string }[] | null } };
  const fields = e?.data?.fields;
  if (fields?.length) return fields.map((f) => `${f.path}: ${f.message}`).join(" · ");
  return e?.message ?? "Something went wrong";
}
