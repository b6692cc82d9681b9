/**
 * Refetch the queries a mutation just changed, so the page shows the new state.
 *
 * Why not plain invalidateQueries: while a query's FIRST fetch is still in flight (no data yet),
 * TanStack Query does not restart it on invalidation — it hands back that fetch's promise
 * (Query.fetch: cancelRefetch applies only "if the query already has data"). A fetch that left
 * before the mutation committed then answers with the old rows and nothing refetches: a key
 * created right after opening Settings never showed up in its list. Cancelling first reverts
 * the in-flight fetch, so the invalidation starts one that sees the mutation.
 */
import type { QueryClient, QueryKey } from "@tanstack/react-query";

export async function refreshQueries(queryClient: QueryClient, ...queryKeys: QueryKey[]): Promise<void> {
  await Promise.all(queryKeys.map((queryKey) => queryClient.cancelQueries({ queryKey })));
  await Promise.all(queryKeys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}
