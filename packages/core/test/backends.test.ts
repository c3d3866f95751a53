import { container } from "tsyringe";
import { afterEach, describe, expect, it } from "vitest";
import {
  type DatabaseLocation,
  type ProgramDescriptor,
  type ProofReceipt,
  type ProveOptions,
  type ProverService,
  ProverServiceBuilder,
  type TaskTransition,
  TransientError,
} from "../src/index.js";
import { TestHost } from "./fixtures/test-host.js";
import { LeafPlugin, NodePlugin, SCRIPT, TestScript } from "./fixtures/test-plugins.js";
import { DIALECTS, databaseFor, otherSession, postgres } from "./support/dialects.js";

/** A host on another backend that remembers the jobs it was handed, like a remote prover's host. */
class JobHost extends TestHost {
  readonly jobs: { previousId?: string; requestId: string; lastAttempt?: true }[] = [];
  readonly cancelledJobs: string[] = [];
  hang = false;
  /** Proofs never settle and ignore their signal, as a host wedged on a dead connection does. */
  deaf = false;
  /** Proofs fail (transient) once their job is recorded, as when the server stops answering. */
  unreachable = false;

  override async prove(
    program: ProgramDescriptor,
    input: unknown,
    options: ProveOptions,
  ): Promise<ProofReceipt> {
    const job = options.job!;
    this.jobs.push({
      ...(job.previousId !== undefined && { previousId: job.previousId }),
      requestId: job.requestId,
      ...(job.lastAttempt === true && { lastAttempt: true as const }),
    });
    if (job.previousId === undefined) await job.record(`job-${this.jobs.length}`);
    if (this.unreachable) throw new TransientError("the remote prover does not answer");
    if (this.deaf) await new Promise(() => {});
    if (this.hang) {
      await new Promise((_, reject) =>
        options.signal.addEventListener("abort", () => reject(options.signal.reason)),
      );
    }
    return super.prove(program, input, options);
  }

  async cancelJob(jobId: string): Promise<void> {
    this.cancelledJobs.push(jobId);
  }
}

let service: ProverService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function launch(
  dialect: (typeof DIALECTS)[number],
  kinds: ProverServiceOptions["kinds"],
  remote: JobHost,
  script = new TestScript(),
  database?: DatabaseLocation,
) {
  const child = container.createChildContainer();
  child.registerInstance(SCRIPT, script);
  const transitions: TaskTransition[] = [];
  service = await new ProverServiceBuilder({
    database: database ?? (await databaseFor(dialect)),
    container: child,
    retry: { baseDelayMs: 10, maxDelayMs: 20 },
    kinds,
  })
    .host(new TestHost("native", 2))
    .host(remote)
    .register(LeafPlugin)
    .register(NodePlugin)
    .onTransition((t) => transitions.push(t))
    .launch();
  return { service, transitions, script };
}

type ProverServiceOptions = ConstructorParameters<typeof ProverServiceBuilder>[0];

describe.each(DIALECTS)("backends per proof type (%s)", (dialect) => {
  it("sends a kind's tasks, dependencies included, to the kind's backend, and records its remote job", async () => {
    const remote = new JobHost("remote", 1);
    const { service, script } = await launch(dialect, { leaf: { backend: "remote" } }, remote);
    script.graph.set(1, [{ kind: "leaf", index: 7 }]);
    expect(service.backendFor("leaf")).toBe("remote");
    expect(service.backendFor("node")).toBe("native");
    const { task } = await service.submit({ kind: "node", index: 1 }, service.backendFor("node"));
    await service.wait(task.id, { timeoutMs: 10_000 });
    const leaf = await service.status({ context: { kind: "leaf", index: 7 }, backend: "remote" });
    expect(leaf).toMatchObject({ status: "completed", jobId: "job-1" });
    expect(remote.jobs).toEqual([{ requestId: leaf.id }]);
  });

  it("stops a proof past its kind's timeout and retries it, resuming the recorded job", async () => {
    const remote = new JobHost("remote", 1);
    remote.hang = true;
    const { service, transitions } = await launch(
      dialect,
      { leaf: { backend: "remote", proveTimeoutMs: 200 } },
      remote,
    );
    const { task } = await service.submit({ kind: "leaf", index: 1 }, "remote");
    await expect.poll(() => remote.jobs.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    remote.hang = false;
    const done = await service.wait(task.id, { timeoutMs: 10_000 });
    expect(done.status).toBe("completed");
    const failure = transitions.find((t) => t.id === task.id && t.to === "transient_failure");
    expect(failure?.error).toMatch(/the proof took longer than 200 ms and was stopped/);
    // The first attempt recorded job-1; every later attempt was handed it to resume.
    expect(remote.jobs[0]).toEqual({ requestId: task.id });
    for (const later of remote.jobs.slice(1)) expect(later.previousId).toBe("job-1");
  });

  it("stops a proof past its timeout even when the host ignores its signal, freeing the slot for the retry", async () => {
    const remote = new JobHost("remote", 1);
    remote.deaf = true;
    const { service, transitions } = await launch(
      dialect,
      { leaf: { backend: "remote", proveTimeoutMs: 100 } },
      remote,
    );
    const { task } = await service.submit({ kind: "leaf", index: 1 }, "remote");
    // The first proof never settles; its backend has one slot, which the retry gets all the same.
    await expect.poll(() => remote.jobs.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    remote.deaf = false;
    expect((await service.wait(task.id, { timeoutMs: 10_000 })).status).toBe("completed");
    const failure = transitions.find((t) => t.id === task.id && t.to === "transient_failure");
    expect(failure?.error).toMatch(/the proof took longer than 100 ms and was stopped/);
  });

  it("frees a cancelled proof's slot, and closes after a grace period, when the host ignores its signal", async () => {
    const remote = new JobHost("remote", 1);
    remote.deaf = true;
    const database = await databaseFor(dialect, { file: true });
    const { service } = await launch(dialect, { leaf: { backend: "remote" } }, remote, undefined, database);
    const first = await service.submit({ kind: "leaf", index: 1 }, "remote");
    await expect.poll(() => remote.jobs.length, { timeout: 10_000 }).toBe(1);
    expect((await service.cancel(first.task.id)).status).toBe("cancelled");
    // The one slot is free again: the next task proves, and never settles either.
    const second = await service.submit({ kind: "leaf", index: 2 }, "remote");
    await expect.poll(() => remote.jobs.length, { timeout: 10_000 }).toBe(2);
    await service.close();
    // Closed without waiting for the host: the proof in flight was released, not left proving.
    const { service: next } = await launch(
      dialect,
      { leaf: { backend: "remote" } },
      new JobHost("remote", 1),
      undefined,
      database,
    );
    expect((await next.wait(second.task.id, { timeoutMs: 10_000 })).status).toBe("completed");
    expect((await next.history(second.task.id)).map((a) => a.outcome)).toEqual(["released", "proven"]);
    expect((await next.status(first.task.id)).status).toBe("cancelled");
  });

  it("refuses a kind mapped to a backend nobody configured, or a kind nobody registered, naming the key", async () => {
    const remote = new JobHost("remote", 1);
    await expect(launch(dialect, { leaf: { backend: "sp1" } }, remote)).rejects.toThrow(
      'kinds.leaf.backend: backend "sp1" is not configured (configured: native, remote)',
    );
    await expect(launch(dialect, { mystery: { backend: "remote" } }, remote)).rejects.toThrow(
      'kinds.mystery: no plugin registered for kind "mystery" (registered: leaf, node)',
    );
  });
});

describe.each(DIALECTS)("claim.backends (%s)", (dialect) => {
  it("leaves work submitted here on a backend this instance does not claim, for another to prove", async () => {
    const child = container.createChildContainer();
    child.registerInstance(SCRIPT, new TestScript());
    const native = new TestHost("native", 2);
    service = await new ProverServiceBuilder({
      database: await databaseFor(dialect),
      container: child,
      claim: { backends: ["other"] },
    })
      .host(native)
      .host(new TestHost("other", 2))
      .register(LeafPlugin)
      .launch();
    // Submitted through this instance (an RPC call), for the backend some other instance proves.
    const { task } = await service.submit({ kind: "leaf", index: 1 }, "native");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(native.proveCalls).toHaveLength(0);
    expect((await service.status(task.id)).status).toBe("queued");
  });
});

describe.each(DIALECTS)("a task cancelled between attempts (%s)", (dialect) => {
  it("has the job it recorded cancelled, which no attempt waits on any more", async () => {
    const remote = new JobHost("remote", 1);
    remote.unreachable = true;
    const child = container.createChildContainer();
    child.registerInstance(SCRIPT, new TestScript());
    service = await new ProverServiceBuilder({
      database: await databaseFor(dialect),
      container: child,
      kinds: { leaf: { backend: "remote" } },
      // The next attempt is far off: the cancel comes while none runs.
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
    })
      .host(new TestHost("native", 1))
      .host(remote)
      .register(LeafPlugin)
      .launch();
    const { task } = await service.submit({ kind: "leaf", index: 1 }, "remote");
    await expect.poll(async () => (await service!.status(task.id)).status).toBe("transient_failure");
    expect(remote.cancelledJobs).toEqual([]);
    await service.cancel(task.id);
    expect(remote.cancelledJobs).toEqual(["job-1"]);
  });
});

describe.each(DIALECTS)("a task's last attempt (%s)", (dialect) => {
  it("is told to its host, which then starts no job for an attempt that will not come", async () => {
    const remote = new JobHost("remote", 1);
    remote.unreachable = true;
    const child = container.createChildContainer();
    child.registerInstance(SCRIPT, new TestScript());
    service = await new ProverServiceBuilder({
      database: await databaseFor(dialect),
      container: child,
      kinds: { leaf: { backend: "remote" } },
      retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 20 },
    })
      .host(new TestHost("native", 1))
      .host(remote)
      .register(LeafPlugin)
      .launch();
    const { task } = await service.submit({ kind: "leaf", index: 1 }, "remote");
    expect((await service.wait(task.id, { timeoutMs: 10_000 })).status).toBe("permanent_failure");
    expect(remote.jobs.map((job) => job.lastAttempt ?? false)).toEqual([false, false, true]);
  });
});

describe.runIf(postgres.url !== undefined)("a host that ignores its signal, with other instances", () => {
  it("takes over a task another instance left while a cancelled proof of it still hangs here", async () => {
    const database = await databaseFor("postgres");
    const remote = new JobHost("remote", 1);
    remote.deaf = true;
    const child = container.createChildContainer();
    child.registerInstance(SCRIPT, new TestScript());
    service = await new ProverServiceBuilder({
      database,
      container: child,
      kinds: { leaf: { backend: "remote" } },
      leaseMs: 300,
    })
      .host(new TestHost("native", 1))
      .host(remote)
      .register(LeafPlugin)
      .launch();
    const first = await service.submit({ kind: "leaf", index: 1 }, "remote");
    await expect.poll(() => remote.jobs.length, { timeout: 10_000 }).toBe(1);
    await service.cancel(first.task.id); // its proof never settles: the host ignores the abort
    // The backend's room here is taken (one proving, one fetched ahead), so this instance claims
    // nothing more.
    const busy = await service.submit({ kind: "leaf", index: 2 }, "remote");
    const ahead = await service.submit({ kind: "leaf", index: 3 }, "remote");
    await expect.poll(() => remote.jobs.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(async () => (await service!.status(ahead.task.id)).status).toBe("proving");
    expect((await service.status(busy.task.id)).status).toBe("proving");
    // The first task, started again, was proving on another instance, which died holding it.
    const session = await otherSession(database);
    try {
      await session.query(
        "update tasks set status = 'proving', phase = 'prove', owner = 'gone', lease_expires_at = 1, attempt = attempt + 1 where id = $1",
        [first.task.id],
      );
    } finally {
      await session.end();
    }
    // Its lease lapsed long ago: this instance takes it over, as it would without the hung proof.
    await expect
      .poll(async () => (await service!.status(first.task.id)).status, { timeout: 5_000 })
      .toBe("queued");
  });
});
