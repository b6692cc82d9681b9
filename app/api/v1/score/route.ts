import { scoreRoute } from "@/server/rest/score";

export const POST = scoreRoute;
