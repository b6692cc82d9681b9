import { getGenerationRoute } from "@/server/rest/generations";

export const GET = getGenerationRoute;
