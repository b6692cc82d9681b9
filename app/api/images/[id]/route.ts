import { sessionRoute } from "@/server/http/sessionRoute";
import { readGenerationImage } from "@/server/services/readGenerationImage";

export const GET = (_req: Request, { params }: { params: Promise<{ id: string }> }) =>
  sessionRoute(async ({ db, user }) => {
    const image = await readGenerationImage(db, user, (await params).id);
    return new Response(new Uint8Array(image.bytes), {
      headers: { "content-type": image.contentType, "cache-control": "private, max-age=31536000, immutable", etag: `"${image.sha256}"` },
    });
  });
