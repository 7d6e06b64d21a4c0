import { useEffect, useRef } from 'react';
import type { OperationContext } from 'urql';

/** Fetches again, bypassing the cache, whenever `key` changes (not on the first render). */
export function useRefetchOn(
  key: string,
  reexecute: (opts?: Partial<OperationContext>) => void,
): void {
  const first = useRef(key);
  useEffect(() => {
    if (key === first.current) return;
    first.current = key;
    reexecute({ requestPolicy: 'network-only' });
  }, [key, reexecute]);
}

/** Calls `fn` at most once per `intervalMs`; a call inside the interval runs at its end. */
export function useThrottled(fn: () => void, intervalMs: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | null }>({
    last: 0,
    timer: null,
  });
  useEffect(
    () => () => {
      if (state.current.timer) clearTimeout(state.current.timer);
    },
    [],
  );
  const throttled = useRef(() => {
    const s = state.current;
    if (s.timer) return;
    const wait = Math.max(0, s.last + intervalMs - Date.now());
    s.timer = setTimeout(() => {
      s.timer = null;
      s.last = Date.now();
      latest.current();
    }, wait);
  });
  return throttled.current;
}
