import { createGeneration, listGenerationsRoute } from "@/server/rest/generations";

export const POST = createGeneration;
export const GET = listGenerationsRoute;
