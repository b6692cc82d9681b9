import { sessionRoute } from "@/server/http/sessionRoute";
import { exportCampaign } from "@/server/services/exportCampaign";

/** GET /api/export?generation=ID&generation=ID2 or ?brand=NAME: the campaign ZIP. */
export const GET = (req: Request) =>
  sessionRoute(async ({ db, user }) => {
    const url = new URL(req.url);
    const ids = url.searchParams.getAll("generation");
    const zip = await exportCampaign(db, user, { generationIds: ids.length ? ids : undefined, brand: url.searchParams.get("brand") ?? undefined });
    return new Response(new Uint8Array(zip.bytes), {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${zip.fileName}"`,
        "cache-control": "no-store",
      },
    });
  });
