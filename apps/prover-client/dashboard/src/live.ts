/**
 * Live updates from the server's `/events` stream: `task` (one task's transition) and `overview`
 * (what `paas_getOverview` answers, at most about once a second). One EventSource for the page; it
 * reconnects after a dropped connection by itself, and after a refusal (503 when the server has
 * its fill of subscribers, which ends an EventSource for good) by a new one made here; each view
 * fetches afresh when it is back, so nothing missed meanwhile stays stale.
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
  /** Task counts changed where this instance sends no task events: on another instance. */
  elsewhere?: () => void;
  open?: () => void;
};

/** The last overview's task counts, to tell when another instance changed a task. */
let lastCounts: string | undefined;

/**
 * `task` events are this instance's transitions only. With other instances on the same database,
 * their work shows in the overview's counts (read from the database every second): a change
 * there is the cue to fetch afresh. Alone, this instance's events say it all.
 */
function countsChangedElsewhere(overview: unknown): boolean {
  const { tasks, instances } = overview as { tasks?: { byStatus?: unknown }; instances?: unknown[] };
  const counts = JSON.stringify(tasks?.byStatus);
  const changed = lastCounts !== undefined && counts !== lastCounts;
  lastCounts = counts;
  return changed && (instances?.length ?? 0) > 1;
}

const listeners = new Set<Listener>();
let source: EventSource | null = null;
let connected = false;
/** Refusals in a row: the next attempt waits 1 s, doubling up to 30 s. */
let refusals = 0;

function connect(): void {
  if (source) return;
  const current = new EventSource("/events");
  source = current;
  current.addEventListener("open", () => {
    connected = true;
    refusals = 0;
    for (const l of listeners) l.open?.();
  });
  current.addEventListener("error", () => {
    connected = false;
    for (const l of listeners) l.open?.();
    // A dropped connection is retried by the EventSource itself; a refused one is closed for good.
    if (current.readyState === EventSource.CLOSED) {
      source = null;
      setTimeout(connect, Math.min(30_000, 1_000 * 2 ** refusals++));
    }
  });
  current.addEventListener("task", (message) => {
    const event = JSON.parse((message as MessageEvent<string>).data) as TaskEvent;
    for (const l of listeners) l.task?.(event);
  });
  current.addEventListener("overview", (message) => {
    const overview: unknown = JSON.parse((message as MessageEvent<string>).data);
    const elsewhere = countsChangedElsewhere(overview);
    for (const l of listeners) {
      l.overview?.(overview);
      if (elsewhere) l.elsewhere?.();
    }
  });
}

function useListener(listener: Listener): void {
  const current = useRef(listener);
  current.current = listener;
  useEffect(() => {
    const proxy: Listener = {
      task: (e) => current.current.task?.(e),
      overview: (o) => current.current.overview?.(o),
      elsewhere: () => current.current.elsewhere?.(),
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
  /** Fetches afresh; settles once the answer (or its error) is on the page. */
  readonly reload: () => Promise<void>;
  /** Replaces the data with a newer value pushed by the server (an answer in flight is then dropped). */
  readonly replace: (value: T) => void;
}

/**
 * Data fetched with `load`, fetched again when a task event passes `relevant` or another instance
 * changed task counts (at most every `minGapMs`, so a burst of transitions costs one request), when
 * the stream reconnects, and when `deps` change.
 */
export function useLiveQuery<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  relevant: (event: TaskEvent) => boolean = () => true,
  minGapMs = 500,
  followElsewhere = true,
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastRun = useRef(0);
  /** The newest request's answer settling: the one whose answer the page keeps. */
  const latest = useRef<Promise<void>>(Promise.resolve());

  // `deps` names what `load` reads, so a new filter or task fetches afresh.
  const run = useCallback(() => {
    const mine = ++generation.current;
    lastRun.current = Date.now();
    latest.current = load().then(
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
  // A refetch an event started meanwhile drops this answer for its own: wait for the newest.
  const reload = useCallback(async () => {
    run();
    let waited: Promise<void> | undefined;
    while (waited !== latest.current) {
      waited = latest.current;
      await waited;
    }
  }, [run]);

  useEffect(() => {
    setData(undefined);
    run();
    return () => {
      // Cleared as well as stopped: a pending refetch left named here would bar every later one.
      clearTimeout(timer.current);
      timer.current = undefined;
    };
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
    elsewhere: () => followElsewhere && schedule(),
    open: () => connected && schedule(),
  });
  const replace = useCallback((value: T) => {
    generation.current++;
    setData(value);
    setError(undefined);
  }, []);
  return { data, error, reload, replace };
}

/** `paas_getOverview`, replaced by each `overview` event. */
export function useOverview<T>(): Loaded<T> {
  // Each overview event replaces it: it needs no fetch of its own when counts change.
  const query = useLiveQuery(
    () => call<T>("paas_getOverview"),
    [],
    () => false,
    500,
    false,
  );
  useListener({ overview: (overview) => query.replace(overview as T) });
  return query;
}

/**
 * The time now, redrawn every `intervalMs`: an age on the page ("5 s ago") counts on while no
 * event redraws it, as when nothing changes for hours.
 */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
