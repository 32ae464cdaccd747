// Running many API calls with a few at a time, reporting progress.

/**
 * mapLimit calls fn for each item with at most limit calls in flight and returns the results in
 * order. onProgress is told how many have finished. The first failure rejects (the rest still run
 * to completion but are ignored); an aborted signal stops starting new calls.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  let failed: { error: unknown } | null = null;
  onProgress?.(0, items.length);
  const worker = async () => {
    while (next < items.length && !failed) {
      if (signal?.aborted) throw signal.reason ?? new DOMException('Aborted', 'AbortError');
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (e) {
        failed ??= { error: e };
        return;
      }
      done++;
      onProgress?.(done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw (failed as { error: unknown }).error;
  return results;
}
