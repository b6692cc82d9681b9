import { listJobsRoute } from "@/server/rest/adminJobs";

export const GET = listJobsRoute;
