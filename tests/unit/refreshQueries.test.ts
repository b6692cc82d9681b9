/**
 * refreshQueries against a real TanStack QueryClient: a mutation that lands while a list's FIRST
 * fetch is still in flight must still show up in the list (the Settings → API keys race).
 */
import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { refreshQueries } from "@/components/refreshQueries";

/** A "server" whose list answers slowly, as on a busy 2-core machine. */
function slowList() {
  const rows: string[] = [];
  const fetchList = async () => {
    const snapshot = [...rows]; // what the database held when the request was served
    await new Promise((r) => setTimeout(r, 50));
    return snapshot;
  };
  return { rows, fetchList };
}

async function listAfterMutationDuringFirstFetch(refresh: (client: QueryClient) => Promise<unknown>) {
  const server = slowList();
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: false } } });
  const observer = new QueryObserver(client, { queryKey: ["keys"], queryFn: server.fetchList });
  const unsubscribe = observer.subscribe(() => {}); // a mounted component: starts the first fetch
  server.rows.push("marketer script"); // the create commits while that fetch is in flight
  await refresh(client);
  await new Promise((r) => setTimeout(r, 120)); // let any fetch still in flight settle
  const shown = observer.getCurrentResult().data;
  unsubscribe();
  return shown;
}

describe("refreshQueries", () => {
  it("shows a row created while the list's first fetch was in flight", async () => {
    expect(await listAfterMutationDuringFirstFetch((c) => refreshQueries(c, ["keys"]))).toEqual(["marketer script"]);
  });

  it("is needed: plain invalidateQueries keeps the first fetch's stale answer", async () => {
    // If TanStack Query ever restarts a data-less fetch on invalidation, this fails and the helper can go.
    expect(await listAfterMutationDuringFirstFetch((c) => c.invalidateQueries({ queryKey: ["keys"] }))).toEqual([]);
  });

  it("refetches every key it is given, and a list that already has data", async () => {
    const client = new QueryClient();
    let calls = 0;
    const fetchA = async () => ++calls;
    const a = new QueryObserver(client, { queryKey: ["a"], queryFn: fetchA });
    const b = new QueryObserver(client, { queryKey: ["b"], queryFn: async () => "b" });
    const offA = a.subscribe(() => {});
    const offB = b.subscribe(() => {});
    await client.refetchQueries();
    const before = calls;
    await refreshQueries(client, ["a"], ["b"]);
    expect(calls).toBe(before + 1);
    expect(client.getQueryState(["b"])?.isInvalidated).toBe(false);
    offA();
    offB();
  });
});
