import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createTRPCContext } from "@/server/api/context";
import { guardTrpcRequest } from "@/server/http/trpcGuard";

/** Cross-site, non-JSON and oversized POSTs are refused before tRPC parses anything (server/http/trpcGuard.ts). */
const handler = async (req: Request) => {
  const guarded = await guardTrpcRequest(req);
  if ("refused" in guarded) return guarded.refused;
  return fetchRequestHandler({ endpoint: "/api/trpc", req: guarded.req, router: appRouter, createContext: createTRPCContext });
};

export { handler as GET, handler as POST };
