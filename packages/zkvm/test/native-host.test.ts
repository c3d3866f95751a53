import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PermanentError, TransientError } from "@paas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_RECEIPT_LIMITS,
  encodeReceipt,
  HostConfigError,
  InputWriter,
  NativeHost,
  type ProofSummary,
} from "../src/index.js";
import { hostImportProgram } from "./fixtures/host-import.js";
import {
  bigOutputProgram,
  crashProgram,
  digestProgram,
  evenOnlyProgram,
  hoardProgram,
  leftoverTimerProgram,
  misbehavingProgram,
  readerProgram,
  rendezvousProgram,
  returningProgram,
  schedulingProgram,
  spinProgram,
  sumProgram,
} from "./fixtures/programs.js";

const KEY = "01".repeat(32);
const signal = () => new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error("expected the proof to fail");
  return error;
}

describe("NativeHost", () => {
  let host: NativeHost;
  beforeAll(() => {
    host = new NativeHost({ workers: 2, privateKey: KEY });
  });
  afterAll(() => host.close());

  it("implements core's host contract", () => {
    expect(host).toMatchObject({ backend: "native", zkvm: "native", concurrency: 2 });
    expect(host.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
  });

  it("proves a program, and the receipt verifies and decodes", async () => {
    const receipt = await host.prove(sumProgram, [1, 2, 3], { signal: signal() });
    expect(receipt.metadata).toEqual({
      zkvm: "native",
      programId: sumProgram.programId,
      version: "1",
      proofType: "compressed",
    });
    expect(receipt.proof).toHaveLength(64);
    host.verify(receipt, sumProgram);
    expect(sumProgram.readOutput(receipt.publicValues)).toEqual({ count: 3, sum: 6n });
  });

  it("carries raw committed bytes and the program's proof type", async () => {
    const receipt = await host.prove(digestProgram, new TextEncoder().encode("abc"), { signal: signal() });
    expect(receipt.metadata.proofType).toBe("groth16");
    const { digest, length } = digestProgram.readOutput(receipt.publicValues);
    expect(Buffer.from(digest).toString("hex")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(length).toBe(3);
  });

  it("gives the same receipt for the same input", async () => {
    const a = await host.prove(sumProgram, [4, 5], { signal: signal() });
    const b = await host.prove(sumProgram, [4, 5], { signal: signal() });
    expect(encodeReceipt(a)).toEqual(encodeReceipt(b));
  });

  it("reports an execution summary per proof", async () => {
    const seen: ProofSummary[] = [];
    const unsubscribe = host.onProved((summary) => seen.push(summary));
    const { receipt, summary } = await host.proveWithSummary(sumProgram, [1, 2]);
    unsubscribe();
    await host.prove(sumProgram, [3], { signal: signal() });
    expect(seen).toEqual([summary]);
    expect(summary).toMatchObject({
      program: "test-sum",
      version: "1",
      programId: sumProgram.programIdHex,
      publicValuesBytes: receipt.publicValues.length,
      proofBytes: 64,
      inputBytes: 5 + 1 + 4 + 2 * 9,
    });
    expect(summary.wallMs).toBeGreaterThanOrEqual(summary.guestMs);
  });

  it("fails permanently with the guest's message when the guest throws", async () => {
    const error = await failure(host.prove(evenOnlyProgram, 3, { signal: signal() }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('program "test-even-only" version "1": the guest failed: value 3 is odd');
    expect(
      evenOnlyProgram.readOutput((await host.prove(evenOnlyProgram, 4, { signal: signal() })).publicValues),
    ).toBe(4);
  });

  it("fails permanently when the guest reads past its input or the wrong kind of item", async () => {
    const exhausted = await failure(host.prove(readerProgram, { write: [1], read: ["value", "value"] }));
    expect(exhausted).toBeInstanceOf(PermanentError);
    expect(exhausted.message).toMatch(/read\(\) asked for input item 2, but the input has only 2 item\(s\)/);
    const wrongKind = await failure(
      host.prove(readerProgram, { write: [Uint8Array.of(1)], read: ["value"] }),
    );
    expect(wrongKind.message).toMatch(/read\(\) expects a value but input item 1 is bytes/);
    const notReceipt = await failure(host.prove(readerProgram, { write: [5], read: ["receipt"] }));
    expect(notReceipt.message).toMatch(/readVerified\(\) expects a receipt but input item 1 is a value/);
  });

  it("fails permanently when the guest returns instead of committing", async () => {
    const error = await failure(host.prove(returningProgram, null, { signal: signal() }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/the guest returned a value; commit outputs with env.commit/);
  });

  it("fails permanently on something that is not a zkvm program or on input it cannot write", async () => {
    const notProgram = await failure(host.prove({ name: "plain", version: "1" }, null, { signal: signal() }));
    expect(notProgram).toBeInstanceOf(PermanentError);
    expect(notProgram.message).toMatch(/"plain" version "1" is not a @paas\/zkvm program/);
    const badInput = await failure(host.prove(sumProgram, [0.5], { signal: signal() }));
    expect(badInput).toBeInstanceOf(PermanentError);
    expect(badInput.message).toMatch(/writing the guest input failed: input item 0\[0\]: the number 0.5/);
  });

  it("refuses, in the worker, a program module that imports the host side", async () => {
    const error = await failure(host.prove(hostImportProgram, null, { signal: signal() }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/program modules must import "@paas\/zkvm\/program"/);
  });

  it("fails permanently, saying what it can, whatever value the guest throws", async () => {
    const nullPrototype = await failure(
      host.prove(misbehavingProgram, "null-prototype", { signal: signal() }),
    );
    expect(nullPrototype).toBeInstanceOf(PermanentError);
    expect(nullPrototype.message).toBe(
      'program "test-misbehaving" version "1": the guest failed: [object Object]',
    );
    const getter = await failure(host.prove(misbehavingProgram, "throwing-getter", { signal: signal() }));
    expect(getter).toBeInstanceOf(PermanentError);
    expect(getter.message).toBe('program "test-misbehaving" version "1": the guest failed: [object Error]');
  });

  it("charges a rejected promise the guest left behind to its own proof, not to the next one", async () => {
    const single = new NativeHost({ workers: 1, privateKey: KEY });
    try {
      const error = await failure(
        single.prove(misbehavingProgram, "floating-rejection", { signal: signal() }),
      );
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toBe(
        'program "test-misbehaving" version "1": the guest failed: the guest left a rejected promise (guests are synchronous): left behind',
      );
      // The same worker proves the next, innocent program.
      expect(
        sumProgram.readOutput((await single.prove(sumProgram, [2, 3], { signal: signal() })).publicValues),
      ).toEqual(
        sumProgram.readOutput((await host.prove(sumProgram, [2, 3], { signal: signal() })).publicValues),
      );
    } finally {
      await single.close();
    }
  });

  // The callback the first guest left rejects or throws while the second proof runs on the same
  // worker: the second guest did nothing wrong, and a permanent failure would lose its task for
  // good (a throw had ended the worker and failed the second proof with the first guest's error).
  it.each([
    ["a rejection", "deferred-rejection"],
    ["an exception", "deferred-throw"],
  ] as const)(
    "does not fail a later proof with %s that an earlier guest's leftover callback makes",
    async (_, mode) => {
      const single = new NativeHost({ workers: 1, privateKey: KEY });
      try {
        await single.prove(misbehavingProgram, mode, { signal: signal() });
        const receipt = await single.prove(misbehavingProgram, "run-deferred", { signal: signal() });
        single.verify(receipt, misbehavingProgram);
        expect(
          sumProgram.readOutput((await single.prove(sumProgram, [2, 3], { signal: signal() })).publicValues),
        ).toEqual({ count: 2, sum: 5n });
      } finally {
        await single.close();
      }
    },
  );

  it("fails permanently when the guest's asynchronous work throws, and keeps the worker", async () => {
    const single = new NativeHost({ workers: 1, privateKey: KEY });
    try {
      const error = await failure(single.prove(misbehavingProgram, "throwing-tick", { signal: signal() }));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toBe(
        `program "test-misbehaving" version "1": the guest failed: the guest's asynchronous work threw (guests are synchronous): thrown from a tick`,
      );
      const receipt = await single.prove(sumProgram, [2, 3], { signal: signal() });
      expect(sumProgram.readOutput(receipt.publicValues)).toEqual({ count: 2, sum: 5n });
    } finally {
      await single.close();
    }
  });

  it("clears the timers a guest leaves behind, so they cannot take its worker from later proofs", async () => {
    const single = new NativeHost({ workers: 1, privateKey: KEY });
    try {
      await single.prove(leftoverTimerProgram, null, { signal: signal() });
      await new Promise((resolve) => setTimeout(resolve, 100)); // past every timer it left
      const receipt = await single.prove(sumProgram, [2, 3], { signal: AbortSignal.timeout(5_000) });
      expect(sumProgram.readOutput(receipt.publicValues)).toEqual({ count: 2, sum: 5n });
    } finally {
      await single.close();
    }
  });

  it("fails permanently when the guest commits more public values than a receipt carries", async () => {
    const limitMiB = DEFAULT_RECEIPT_LIMITS.maxPublicValuesBytes / (1024 * 1024);
    const error = await failure(host.prove(bigOutputProgram, limitMiB + 1, { signal: signal() }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      `program "test-big-output" version "1": the guest failed: commitBytes(): the public values would be ${
        (limitMiB + 1) * 1024 * 1024
      } bytes, above the receipt limit of ${DEFAULT_RECEIPT_LIMITS.maxPublicValuesBytes} bytes`,
    );
    // Up to the limit, the receipt is one every receipt codec takes.
    const receipt = await host.prove(bigOutputProgram, limitMiB, { signal: signal() });
    host.verify(receipt, bigOutputProgram);
    expect(encodeReceipt(receipt).length).toBeGreaterThan(DEFAULT_RECEIPT_LIMITS.maxPublicValuesBytes);
  });

  it("proves an input that is a view into a larger buffer, leaving the caller's buffer intact", async () => {
    const writer = new InputWriter();
    sumProgram.writeInput([4, 5], writer);
    const framed = writer.toBytes();
    const big = new Uint8Array(framed.length + 20);
    big.set(framed, 10);
    const other = big.subarray(0, 10);
    const { receipt } = await host.proveEncoded(sumProgram, big.subarray(10, 10 + framed.length));
    expect(sumProgram.readOutput(receipt.publicValues)).toEqual({ count: 2, sum: 9n });
    expect(big.length).toBe(framed.length + 20);
    expect(other.length).toBe(10);
  });

  it("fails transiently when the worker crashes, and replaces the worker", async () => {
    const error = await failure(host.prove(crashProgram, null, { signal: signal() }));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/the proving worker failed: worker exited with code: 7/);
    await host.prove(sumProgram, [1], { signal: signal() });
  });

  it("fails permanently when the guest runs out of heap, and replaces the worker", async () => {
    const small = new NativeHost({ workers: 1, privateKey: KEY, maxGuestHeapMb: 32 });
    try {
      const error = await failure(small.prove(hoardProgram, null, { signal: signal() }));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toMatch(/the guest ran out of memory: .*memory limit/);
      await small.prove(sumProgram, [1], { signal: signal() });
    } finally {
      await small.close();
    }
  });

  it("refuses bad pool settings when it is made, not at its first proof", () => {
    const settings = [
      { niceIncrement: -1 },
      { niceIncrement: 1.5 },
      { niceIncrement: Number.NaN },
      { niceIncrement: 40 },
      { idleTimeoutMs: -1 },
      { idleTimeoutMs: Number.NaN },
      { maxGuestHeapMb: 0 },
      { maxGuestHeapMb: 1.5 },
    ];
    for (const setting of settings) {
      const make = () => new NativeHost({ workers: 1, privateKey: KEY, ...setting });
      expect(make, JSON.stringify(setting)).toThrow(HostConfigError);
      expect(make).toThrow(/^native host (niceIncrement|idleTimeoutMs|maxGuestHeapMb) must be/);
    }
  });

  it("runs guests in parallel on its workers", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "zkvm-rendezvous-"));
    try {
      // Each guest waits for the other to start: both can only finish if they ran at once.
      const [a, b] = await Promise.all([
        host.prove(rendezvousProgram, { dir, me: "a", other: "b" }, { signal: signal() }),
        host.prove(rendezvousProgram, { dir, me: "b", other: "a" }, { signal: signal() }),
      ]);
      expect(rendezvousProgram.readOutput(a.publicValues)).toBe(true);
      expect(rendezvousProgram.readOutput(b.publicValues)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(process.platform === "linux")("NativeHost worker scheduling", () => {
  const SCHED_OTHER = 0;
  const SCHED_IDLE = 5;
  const schedulingOf = async (options: { idleScheduling?: boolean; niceIncrement?: number }) => {
    const host = new NativeHost({ workers: 1, privateKey: KEY, ...options });
    try {
      const receipt = await host.prove(schedulingProgram, null, { signal: signal() });
      return schedulingProgram.readOutput(receipt.publicValues);
    } finally {
      await host.close();
    }
  };

  it("runs proofs under SCHED_IDLE by default, so a waking main thread preempts them", async () => {
    expect((await schedulingOf({})).policy).toBe(SCHED_IDLE);
  });

  it("keeps the normal policy at the nice increment when idle scheduling is off", async () => {
    const ours = Number(readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1]!.split(" ")[19 - 3]);
    const { policy, nice } = await schedulingOf({ idleScheduling: false, niceIncrement: 5 });
    expect(policy).toBe(SCHED_OTHER);
    expect(nice).toBe(Math.min(19, ours + 5));
  });
});

describe("NativeHost abort and close", () => {
  const hosts: NativeHost[] = [];
  const singleWorkerHost = async () => {
    const host = new NativeHost({ workers: 1, privateKey: KEY });
    hosts.push(host);
    await host.prove(sumProgram, [1], { signal: signal() }); // the worker is up and the fixtures loaded
    return host;
  };
  afterAll(() => Promise.all(hosts.map((host) => host.close())));

  it("stops a running guest when the signal aborts, with the signal's reason", async () => {
    const host = await singleWorkerHost();
    const controller = new AbortController();
    const proving = host.prove(spinProgram, null, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("cancelled by the test")), 200);
    expect((await failure(proving)).message).toBe("cancelled by the test");
    // The only worker was spinning for a minute; this proof can only run if the guest was stopped.
    const receipt = await host.prove(sumProgram, [2], { signal: signal() });
    expect(sumProgram.readOutput(receipt.publicValues).sum).toBe(2n);
  });

  it("does not start when the signal is already aborted", async () => {
    const host = await singleWorkerHost();
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    expect((await failure(host.prove(sumProgram, [1], { signal: controller.signal }))).message).toBe(
      "too late",
    );
  });

  it("fails proofs in flight and later ones transiently once closed", async () => {
    const host = await singleWorkerHost();
    const inFlight = failure(host.prove(spinProgram, null, { signal: signal() }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await host.close();
    const error = await inFlight;
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/the native host closed while proving/);
    const later = await failure(host.prove(sumProgram, [1], { signal: signal() }));
    expect(later).toBeInstanceOf(TransientError);
    expect(later.message).toMatch(/the native host is closed/);
  });

  it.runIf(process.platform === "linux")("ends its threads before any call to close returns", async () => {
    const threadCount = () => readdirSync("/proc/self/task").length;
    const host = await singleWorkerHost();
    const proving = failure(host.prove(spinProgram, null, { signal: signal() }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = host.close();
    await host.close(); // a second shutdown path
    const afterSecond = threadCount();
    await first;
    expect(afterSecond).toBe(threadCount());
    expect(await proving).toBeInstanceOf(TransientError);
  });
});
