/**
 * The prover against the devnet through a fault proxy: for `faultMs`, a share of every node
 * request gets a 500, an answer past the client's deadline, a truncated or malformed body, or a
 * reset. Then the faults stop and the run waits until every checkpoint up to the CL's latest is
 * accepted. Used by the fault-injection test (short) and `npm run soak` (long).
 */
import { ALL_PROXY_FAULTS, type ProxyFault, startFaultProxy } from "@paas/testing";
import { startApp, tempDatadir, testConfig } from "./app.js";
import { acceptedCheckpoints, startTrustingDevnet } from "./devnet.js";

export interface FaultyNetworkOptions {
  /** How long the faults last. */
  readonly faultMs: number;
  /** Share of requests faulted, 0..1. */
  readonly rate: number;
  readonly faults?: readonly ProxyFault[];
  /** How long, after the faults stop, every checkpoint may take to be accepted. */
  readonly catchUpMs: number;
  /** The devnet's block time: its chain grows all along. */
  readonly blockTimeMs?: number;
  readonly log?: (line: string) => void;
}

export interface FaultyNetworkResult {
  /** Checkpoints the CL had when the faults stopped, and when the run ended. */
  readonly checkpointsAtFaultEnd: number;
  readonly checkpoints: number;
  /** Checkpoint index → how many times the CL accepted a proof of it. */
  readonly accepted: ReadonlyMap<number, number>;
  /** Checkpoints accepted while the faults lasted. */
  readonly acceptedDuringFaults: number;
  readonly caughtUp: boolean;
  /** From the end of the faults to the last checkpoint's acceptance. */
  readonly catchUpMs: number;
  readonly permanentFailures: readonly string[];
  readonly proxy: Readonly<Record<string, number>>;
}

export async function runFaultyNetwork(options: FaultyNetworkOptions): Promise<FaultyNetworkResult> {
  const log = options.log ?? (() => {});
  const data = tempDatadir();
  const devnet = await startTrustingDevnet(data.dir, { blockTimeMs: options.blockTimeMs ?? 250 });
  const proxy = await startFaultProxy({
    target: devnet.url,
    rate: options.rate,
    faults: options.faults ?? ALL_PROXY_FAULTS,
    // Past the client's 2 s deadline (see `testConfig`).
    delayMs: 3_000,
  });
  const accepted = acceptedCheckpoints(devnet);
  const app = await startApp(
    testConfig(data.dir, proxy.url, [
      "plugin_settings.checkpoint.runner=true",
      "plugin_settings.checkpoint.interval_ms=250",
    ]),
  );
  try {
    const started = Date.now();
    while (Date.now() - started < options.faultMs) {
      await sleep(1_000);
      log(`faults on: ${accepted.size} checkpoints accepted, proxy ${JSON.stringify(proxy.stats())}`);
    }
    proxy.setRate(0);
    const acceptedDuringFaults = accepted.size;
    const latestAtFaultEnd = devnet.chain.latestCheckpointIndex ?? -1;
    const faultsEnded = Date.now();
    // The chain keeps growing: catching up means every checkpoint that existed when the faults
    // stopped, and the ones made since, up to the CL's latest at each look.
    let caughtUp = false;
    let caughtUpAt = faultsEnded;
    while (Date.now() - faultsEnded < options.catchUpMs) {
      const latest = devnet.chain.latestCheckpointIndex ?? -1;
      if (latest >= latestAtFaultEnd && allAccepted(accepted, latestAtFaultEnd)) {
        caughtUp = true;
        caughtUpAt = Date.now();
        break;
      }
      await sleep(250);
    }
    log(`faults off for ${Date.now() - faultsEnded} ms: caught up ${caughtUp}`);
    const failed = await app.service.list({ status: "permanent_failure", limit: 1000 });
    return {
      checkpointsAtFaultEnd: latestAtFaultEnd + 1,
      checkpoints: (devnet.chain.latestCheckpointIndex ?? -1) + 1,
      accepted: new Map(accepted),
      acceptedDuringFaults,
      caughtUp,
      catchUpMs: caughtUpAt - faultsEnded,
      permanentFailures: failed.tasks.map(
        (t) => `${t.kind} ${JSON.stringify(t.taskId.context)}: ${"error" in t ? t.error : ""}`,
      ),
      proxy: proxy.stats(),
    };
  } finally {
    await app.close();
    await proxy.close();
    await devnet.close();
    data.remove();
  }
}

function allAccepted(accepted: ReadonlyMap<number, number>, upTo: number): boolean {
  for (let i = 0; i <= upTo; i++) if (!accepted.has(i)) return false;
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
