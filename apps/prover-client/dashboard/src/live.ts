/**
 * Live updates from the server's `/events` stream: `task` (one task's transition) and `overview`
 * (what `paas_getOverview` answers, at most about once a second). One EventSource for the page; it
 * reconnects by itself, and each view fetches afresh when it is back, so nothing missed meanwhile
 * stays stale.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { call } from "./rpc.js";
import type { TaskStatus } from "./types.js";

export interface TaskEvent {
  readonly id: string;
  readonly kind: string;
  readonly status: TaskStatus;
  readonly [field: string]: unknown;
}

type Listener = {
  task?: (event: TaskEvent) => void;
  overview?: (overview: unknown) => void;
  open?: () => void;
};

const listeners = new Set<Listener>();
let source: EventSource | null = null;
let connected = false;

function connect(): void {
  if (source) return;
  source = new EventSource("/events");
  source.addEventListener("open", () => {
    connected = true;
    for (const l of listeners) l.open?.();
  });
  source.addEventListener("error", () => {
    connected = false;
    for (const l of listeners) l.open?.();
  });
  source.addEventListener("task", (message) => {
    const event = JSON.parse((message as MessageEvent<string>).data) as TaskEvent;
    for (const l of listeners) l.task?.(event);
  });
  source.addEventListener("overview", (message) => {
    const overview: unknown = JSON.parse((message as MessageEvent<string>).data);
    for (const l of listeners) l.overview?.(overview);
  });
}

function useListener(listener: Listener): void {
  const current = useRef(listener);
  current.current = listener;
  useEffect(() => {
    const proxy: Listener = {
      task: (e) => current.current.task?.(e),
      overview: (o) => current.current.overview?.(o),
      open: () => current.current.open?.(),
    };
    listeners.add(proxy);
    connect();
    return () => listeners.delete(proxy);
  }, []);
}

/** Whether the event stream is connected now. */
export function useConnected(): boolean {
  const [state, setState] = useState(connected);
  useListener({ open: () => setState(connected) });
  return state;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly reload: () => void;
  /** Replaces the data with a newer value pushed by the server (an answer in flight is then dropped). */
  readonly replace: (value: T) => void;
}

/**
 * Data fetched with `load`, fetched again when a task event passes `relevant` (at most every
 * `minGapMs`, so a burst of transitions costs one request), when the stream reconnects, and when
 * `deps` change.
 */
export function useLiveQuery<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  relevant: (event: TaskEvent) => boolean = () => true,
  minGapMs = 500,
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastRun = useRef(0);

  // `deps` names what `load` reads, so a new filter or task fetches afresh.
  const run = useCallback(() => {
    const mine = ++generation.current;
    lastRun.current = Date.now();
    load().then(
      (value) => {
        if (mine !== generation.current) return; // an older answer arriving after a newer request
        setData(value);
        setError(undefined);
      },
      (e: unknown) => {
        if (mine === generation.current) setError(e instanceof Error ? e.message : String(e));
      },
    );
  }, deps);

  useEffect(() => {
    setData(undefined);
    run();
    return () => clearTimeout(timer.current);
  }, [run]);

  const schedule = () => {
    if (timer.current !== undefined) return;
    const wait = Math.max(0, lastRun.current + minGapMs - Date.now());
    timer.current = setTimeout(() => {
      timer.current = undefined;
      run();
    }, wait);
  };
  useListener({
    task: (event) => relevant(event) && schedule(),
    open: () => connected && schedule(),
  });
  const replace = useCallback((value: T) => {
    generation.current++;
    setData(value);
    setError(undefined);
  }, []);
  return { data, error, reload: run, replace };
}

/** `paas_getOverview`, replaced by each `overview` event. */
export function useOverview<T>(): Loaded<T> {
  const query = useLiveQuery(
    () => call<T>("paas_getOverview"),
    [],
    () => false,
  );
  useListener({ overview: (overview) => query.replace(overview as T) });
  return query;
}
