import { listBrandsRoute } from "@/server/rest/brands";

export const GET = listBrandsRoute;
