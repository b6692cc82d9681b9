import { forbidden } from "@/server/errors";
import { sessionRoute } from "@/server/http/sessionRoute";
import { readRunGrid } from "@/server/services/getRun";

/** A DDPO run's per-epoch sample grid (admins). */
export const GET = (_req: Request, { params }: { params: Promise<{ id: string; file: string }> }) =>
  sessionRoute(async ({ db, user }) => {
    if (user.role !== "admin") throw forbidden("Admins only");
    const { id, file } = await params;
    const bytes = await readRunGrid(db, id, file);
    return new Response(new Uint8Array(bytes), { headers: { "content-type": "image/png", "cache-control": "private, max-age=60" } });
  });
