import { getImageRoute } from "@/server/rest/images";

export const GET = getImageRoute;
