/** Next.js start-up hook: boots the database, first admin and (embedded default) job worker. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { boot } = await import("./server/boot");
  const { env } = await import("./server/env");
  await boot({ worker: env().BOIG_EMBEDDED_WORKER === "1" });
}
