/**
 * The election's own timing, with the database call that renews the lease held back at will: a
 * stand-in store, so that a renewal can come back exactly when it would race the leader's timer
 * (the PostgreSQL cluster tests cover the election against a real database). The lease's own
 * rule, who may take it when, is checked last against the real store on each dialect.
 */
import { describe, expect, it } from "vitest";
import { ClusterMembership } from "../src/cluster/membership.js";
import type { Clock } from "../src/contracts/clock.js";
import { ManualClock, openDatabase, systemClock } from "../src/index.js";
import { ClusterStore } from "../src/store/cluster-store.js";
import { DIALECTS, databaseFor, postgres } from "./support/dialects.js";

const LEASE_MS = 3_000; // a beat each second of real time; the lease's time is the manual clock's

/** One lease row, as `service_leases` keeps it, and a switch that holds heartbeats back. */
function standInStore() {
  const state = {
    lease: undefined as { owner: string; expires: number } | undefined,
    hold: undefined as Promise<void> | undefined,
    heartbeats: 0,
    renewals: 0,
  };
  const store = {
    async heartbeat() {
      state.heartbeats++;
      await state.hold;
    },
    async acquireServiceLease(_name: string, owner: string, now: number, leaseMs: number) {
      state.renewals++;
      const { lease } = state;
      if (lease && lease.owner !== owner && lease.expires >= now) return false;
      state.lease = { owner, expires: now + leaseMs };
      return true;
    },
    async releaseServiceLease(_name: string, owner: string) {
      if (state.lease?.owner === owner) state.lease = undefined;
    },
    async leave() {},
    async foldCountShards() {},
    async live() {
      return [];
    },
  };
  return { state, store: store as unknown as ClusterStore };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the election of the instance that runs the cluster services", () => {
  it("does not take up a renewal that comes back after the leader stepped down", async () => {
    const clock = new ManualClock(1_000_000);
    const { state, store } = standInStore();
    const events: string[] = [];
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const membership = new ClusterMembership(store, {
      instance: { id: "a", host: "h", pid: 1, role: "all", startedAt: 0 },
      clock,
      leaseMs: LEASE_MS,
      log: quiet,
      onError: (error) => events.push(`error ${String(error)}`),
    });
    const runner = {
      name: "runner",
      scope: "cluster" as const,
      start() {
        events.push("start");
      },
      async stop() {
        events.push("stop");
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    };
    await membership.start([runner]);
    expect(events).toEqual(["start"]);
    try {
      // The next beat's database call hangs; the leader's own timer ends its term meanwhile.
      let release = () => {};
      state.hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      const heartbeats = state.heartbeats;
      await until(() => state.heartbeats > heartbeats, "the next beat");
      clock.advance(LEASE_MS);
      await until(() => events.length === 2 && state.lease === undefined, "the step-down");
      expect(membership.isLeader).toBe(false);
      // The call comes back, and its renewal succeeds: begun in the ended term, it counts for nothing.
      const renewals = state.renewals;
      state.hold = undefined;
      release();
      await until(() => state.renewals > renewals, "the late renewal");
      await until(() => state.lease === undefined, "the late renewal's row to be given back");
      expect(membership.isLeader).toBe(false);
      expect(events).toEqual(["start", "stop"]);
      // Given back, so that another instance can be elected at once.
      expect(state.lease).toBeUndefined();
    } finally {
      await membership.close();
    }
  });

  it("gives the lease back when a service fails to start, and starts the services at a later election", async () => {
    const { state, store } = standInStore();
    const events: string[] = [];
    const membership = new ClusterMembership(store, {
      instance: { id: "a", host: "h", pid: 1, role: "all", startedAt: 0 },
      clock: new ManualClock(1_000_000),
      leaseMs: LEASE_MS,
      log: { debug() {}, info() {}, warn() {}, error() {} },
      onError: (error, what) => events.push(`error ${what}: ${String(error)}`),
    });
    const service = (name: string, failFirst: boolean) => {
      let starts = 0;
      return {
        name,
        scope: "cluster" as const,
        start() {
          // The first start meets a passing fault (a node not up yet, say).
          if (failFirst && ++starts === 1) throw new Error("node not reachable yet");
          events.push(`start ${name}`);
        },
        async stop() {
          events.push(`stop ${name}`);
        },
      };
    };
    try {
      await membership.start([service("first", false), service("runner", true)]);
      // Holding the lease without running the services would keep every instance from running them.
      // The one that threw is stopped too: it may have begun something (a timer, a subscription).
      expect(events).toEqual([
        "start first",
        "error starting the once-per-cluster services: Error: node not reachable yet",
        "stop runner",
        "stop first",
      ]);
      expect(membership.isLeader).toBe(false);
      expect(state.lease).toBeUndefined();
      await until(() => membership.isLeader && events.length === 6, "the next election");
      expect(events.slice(4)).toEqual(["start first", "start runner"]);
      expect(state.lease?.owner).toBe("a");
    } finally {
      await membership.close();
    }
  });
});

describe("a start on a database this process alone may use (SQLite)", () => {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };

  /** A database left by a process that was killed while it led: its row and its lease, unexpired. */
  async function leftByAKilledLeader() {
    const opened = await openDatabase({ path: ":memory:" });
    const store = new ClusterStore(opened.db, opened.dialect);
    const dead = { id: "dead", host: "h", pid: 1, role: "all", startedAt: 0 };
    await store.heartbeat(dead, Date.now(), 30_000);
    expect(await store.acquireServiceLease("cluster-services", "dead", Date.now(), 30_000)).toBe(true);
    return { opened, store };
  }

  function membershipOf(store: ClusterStore, exclusive: boolean) {
    return new ClusterMembership(store, {
      instance: { id: "new", host: "h", pid: 2, role: "all", startedAt: Date.now() },
      clock: new ManualClock(Date.now()),
      leaseMs: 30_000,
      log: quiet,
      onError: (error) => {
        throw error;
      },
      exclusive,
    });
  }

  const runner = { name: "runner", scope: "cluster" as const, start() {}, async stop() {} };

  it("runs the services at once, and lists itself alone, after a crash of the last process", async () => {
    const { opened, store } = await leftByAKilledLeader();
    const membership = membershipOf(store, true);
    try {
      await membership.start([runner]);
      expect(membership.isLeader).toBe(true);
      expect((await membership.instances()).map((i) => i.id)).toEqual(["new"]);
    } finally {
      await membership.close();
      await opened.close();
    }
  });

  it("on a shared database, leaves the lease to lapse: the other instance may be alive", async () => {
    const { opened, store } = await leftByAKilledLeader();
    const membership = membershipOf(store, false);
    try {
      await membership.start([runner]);
      expect(membership.isLeader).toBe(false);
    } finally {
      await membership.close();
      await opened.close();
    }
  });
});

describe.each(DIALECTS)("the cluster services' lease in the database (%s)", (dialect) => {
  it("goes to one instance at a time, and to another as soon as its holder's lapses", async () => {
    const opened = await openDatabase(await databaseFor(dialect));
    const store = new ClusterStore(opened.db, opened.dialect);
    // Real time: PostgreSQL keeps leases by its own clock, whatever `now` the caller passes. The
    // holder's lease must outlast two calls, and a stall under load between them: 300 ms left it
    // to chance.
    const shortLeaseMs = 1_000;
    const lease = (owner: string) =>
      store.acquireServiceLease("cluster-services", owner, Date.now(), shortLeaseMs);
    try {
      expect(await lease("a")).toBe(true);
      expect(await lease("b")).toBe(false);
      // Renewed by its holder; refused to another until it lapses, granted after.
      expect(await lease("a")).toBe(true);
      expect(await lease("b")).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, shortLeaseMs + 50));
      expect(await lease("b")).toBe(true);
      expect(await lease("a")).toBe(false);
    } finally {
      await opened.close();
    }
  });
});

describe.runIf(postgres.url !== undefined)("instances whose machines' clocks disagree (PostgreSQL)", () => {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  // The leader's lease outlasts an event-loop stall under load (a 600 ms one did not: it stepped
  // down by its own timer); the other's row stays listed through one.
  const LEADER_LEASE_MS = 3_000;
  const OTHER_LEASE_MS = 1_000;

  /** This machine's clock, set `skewMs` ahead, as another machine's might be. */
  const skewed = (skewMs: number): Clock => ({ ...systemClock, now: () => Date.now() + skewMs });

  it("never has two instances run the services, though one clock is ahead by more than a lease", async () => {
    const opened = await openDatabase(await databaseFor("postgres"));
    const store = new ClusterStore(opened.db, opened.dialect);
    let running = 0;
    let most = 0;
    const runner = () => ({
      name: "runner",
      scope: "cluster" as const,
      start() {
        most = Math.max(most, ++running);
      },
      async stop() {
        running--;
      },
    });
    const member = (id: string, clock: Clock, leaseMs: number) =>
      new ClusterMembership(store, {
        instance: { id, host: id, pid: 1, role: "all", startedAt: clock.now() },
        clock,
        leaseMs,
        log: quiet,
        onError: (error) => {
          throw error;
        },
      });
    const a = member("a", systemClock, LEADER_LEASE_MS);
    const b = member("b", skewed(3 * LEADER_LEASE_MS), OTHER_LEASE_MS);
    try {
      await a.start([runner()]);
      expect(a.isLeader).toBe(true);
      await b.start([runner()]);
      // A live leader keeps the lease: the other's clock being ahead does not make it look lapsed.
      await new Promise((resolve) => setTimeout(resolve, 2 * OTHER_LEASE_MS));
      expect([a.isLeader, b.isLeader, most]).toEqual([true, false, 1]);
      // Both list each other: neither's heartbeat looks stale to the other.
      expect((await a.instances()).map((i) => i.id).sort()).toEqual(["a", "b"]);
      expect((await b.instances()).map((i) => i.id).sort()).toEqual(["a", "b"]);
      await a.close();
      await until(() => b.isLeader, "the other instance's election");
      expect(most).toBe(1);
    } finally {
      await a.close();
      await b.close();
      await opened.close();
    }
  });
});

describe("this instance's heartbeat", () => {
  it("is overdue once it has not committed for a lease period, and not once it commits again", async () => {
    const clock = new ManualClock(1_000_000);
    const { state, store } = standInStore();
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    // What the app ends an outage's warnings with: told of each commit, never of a refused beat.
    const said: string[] = [];
    const membership = new ClusterMembership(store, {
      instance: { id: "a", host: "h", pid: 1, role: "worker", startedAt: 0 },
      clock,
      leaseMs: LEASE_MS,
      log: quiet,
      onError: () => said.push("refused"),
      onHeartbeat: () => said.push("committed"),
    });
    await membership.start([]);
    try {
      expect(membership.heartbeatOverdueMs()).toBeUndefined();
      // Every write refused (a standby after a failover): reads, and so the rest, may still answer.
      let refused = true;
      const heartbeat = store.heartbeat.bind(store);
      store.heartbeat = async (...args) => {
        if (refused) throw new Error("cannot execute INSERT in a read-only transaction");
        return heartbeat(...args);
      };
      clock.advance(LEASE_MS);
      expect(membership.heartbeatOverdueMs()).toBeUndefined();
      clock.advance(1);
      expect(membership.heartbeatOverdueMs()).toBe(LEASE_MS + 1);
      await until(() => said.at(-1) === "refused", "a refused beat");
      refused = false;
      const heartbeats = state.heartbeats;
      await until(() => state.heartbeats > heartbeats, "a beat that commits");
      expect(membership.heartbeatOverdueMs()).toBeUndefined();
      await until(() => said.at(-1) === "committed", "the commit told");
      expect(said[0]).toBe("committed");
    } finally {
      await membership.close();
    }
  });

  it("gives as its failure no error met after it committed: the lease's is not the heartbeat's", async () => {
    // The heartbeat committed, the lease's renewal after it failed, and the next heartbeat hung:
    // the write stall named the lease's error as the heartbeat's.
    const clock = new ManualClock(1_000_000);
    const { state, store } = standInStore();
    store.acquireServiceLease = async () => {
      throw new Error("the lease's renewal failed");
    };
    const membership = new ClusterMembership(store, {
      instance: { id: "a", host: "h", pid: 1, role: "all", startedAt: 0 },
      clock,
      leaseMs: LEASE_MS,
      log: { debug() {}, info() {}, warn() {}, error() {} },
      onError: () => {},
    });
    const runner = { name: "runner", scope: "cluster" as const, start() {}, async stop() {} };
    await membership.start([runner]);
    let release = () => {};
    state.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const heartbeats = state.heartbeats;
      await until(() => state.heartbeats > heartbeats, "a heartbeat that hangs");
      clock.advance(LEASE_MS + 1);
      expect(membership.heartbeatOverdueMs()).toBe(LEASE_MS + 1);
      expect(membership.heartbeatFailure()).toBeUndefined();
    } finally {
      release();
      await membership.close();
    }
  });
});

describe.runIf(postgres.url !== undefined)("instances with leases of their own (PostgreSQL)", () => {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };

  it("lists an instance with a longer lease all along, to one whose lease is short", async () => {
    // A change of cluster.lease_ms rolled out one instance at a time: `a` already has the new, long
    // lease (a heartbeat each second); `b` still has the short one. `b` judged `a`'s heartbeat by
    // its own lease, dropped `a`'s row between two of its beats, and `paas report` on `b` showed
    // `a` gone for 400 ms of every second. Here `a` beats every 3 s and `b` judged it gone after
    // 2 s; `b`'s own lease is no shorter than 1 s, or a stall under load dropped `b`'s own row.
    const opened = await openDatabase(await databaseFor("postgres"));
    const store = new ClusterStore(opened.db, opened.dialect);
    const member = (id: string, leaseMs: number) =>
      new ClusterMembership(store, {
        instance: { id, host: id, pid: 1, role: "worker", startedAt: Date.now() },
        clock: systemClock,
        leaseMs,
        log: quiet,
        onError: (error) => {
          throw error;
        },
      });
    const a = member("a", 9_000);
    const b = member("b", 1_000);
    try {
      await a.start([]);
      await b.start([]);
      const seen: string[] = [];
      // Past `a`'s next beat: the second of each 3 s that the old judgement left `a` out.
      for (const end = Date.now() + 4_000; Date.now() < end; ) {
        seen.push(
          (await b.instances())
            .map((i) => i.id)
            .sort()
            .join(","),
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(new Set(seen)).toEqual(new Set(["a,b"]));
      // A row nobody renews still goes, after two of its own leases.
      await a.close();
      await store.heartbeat({ id: "gone", host: "h", pid: 2, role: "worker", startedAt: 0 }, Date.now(), 300);
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect((await b.instances()).map((i) => i.id)).toEqual(["b"]);
    } finally {
      await a.close();
      await b.close();
      await opened.close();
    }
  });
});
