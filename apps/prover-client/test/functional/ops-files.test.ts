/**
 * The Grafana dashboard and the Prometheus alert rules in deploy/ name only metrics a running
 * prover client serves, and the checkpoint gauges they rest on say what happened on a real devnet.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Devnet } from "@paas/devnet";
import { until } from "@paas/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startApp, tempDatadir, testConfig } from "../../scenarios/app.js";
import { acceptedCheckpoints, startTrustingDevnet } from "../../scenarios/devnet.js";
import type { ProverApp } from "../../src/app/build-app.js";

const DEPLOY = path.join(import.meta.dirname, "../../deploy");

let data: ReturnType<typeof tempDatadir>;
let devnet: Devnet;
let app: ProverApp;
let scrape: string;

beforeAll(async () => {
  data = tempDatadir();
  devnet = await startTrustingDevnet(data.dir);
  const accepted = acceptedCheckpoints(devnet);
  await devnet.chain.produceEpochs(3);
  app = await startApp(
    testConfig(data.dir, devnet.url, [
      "plugin_settings.checkpoint.runner=true",
      "plugin_settings.checkpoint.window=1",
    ]),
  );
  // Accepted by the CL, and known to be by the prover: its task has completed.
  await until(() => accepted.has(0), "checkpoint 0 accepted");
  await until(
    async () =>
      (await app.service.status({ context: { kind: "checkpoint", index: 0 }, backend: "native" })).status ===
      "completed",
    "checkpoint 0's task completed",
  );
  scrape = await (await fetch(new URL("/metrics", app.rpcUrl))).text();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await devnet?.close();
  data?.remove();
});

/** Metric families the scrape declares (`# TYPE name type`). */
function families(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Whether a series name belongs to a declared family (a histogram's `_bucket`, `_sum`, `_count` do). */
function served(name: string, declared: Map<string, string>): boolean {
  if (declared.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && ["histogram", "summary"].includes(declared.get(base) ?? "");
}

/** Every metric name in PromQL expressions: ours, and Node's standard ones. */
function metricNames(expressions: readonly string[]): string[] {
  return [
    ...new Set(
      expressions.flatMap((e) => [...e.matchAll(/\b(?:paas|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0])),
    ),
  ];
}

describe("deploy/ files against a real /metrics", () => {
  it("the dashboard's queries use only served metrics", () => {
    const dashboard = JSON.parse(readFileSync(path.join(DEPLOY, "grafana-dashboard.json"), "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const expressions = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const names = metricNames(expressions);
    expect(names.length).toBeGreaterThan(10);
    const declared = families(scrape);
    expect(names.filter((name) => !served(name, declared))).toEqual([]);
  });

  it("the alert rules use only served metrics", () => {
    const rules = parse(readFileSync(path.join(DEPLOY, "prometheus-alerts.yml"), "utf8")) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        "PaasCheckpointStuck",
        "PaasCheckpointLagGrowing",
        "PaasCheckpointSubmissionsFailing",
      ]),
    );
    const declared = families(scrape);
    expect(metricNames(alerts.map((a) => a.expr)).filter((name) => !served(name, declared))).toEqual([]);
  });

  it("serves Node's process metrics under their standard names", () => {
    expect(scrape).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(scrape).toMatch(/^process_resident_memory_bytes \d/m);
    expect(scrape).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    expect(scrape).not.toContain("paas_process_");
  });

  it("the checkpoint gauges say how far the CL's checkpoints are accepted", () => {
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(scrape)?.[1]);
    const latest = value("paas_checkpoint_cl_latest_index");
    expect(latest).toBeGreaterThanOrEqual(0);
    expect(latest).toBeLessThanOrEqual(devnet.chain.latestCheckpointIndex!);
    const accepted = value("paas_checkpoint_last_accepted_index");
    expect(accepted).toBeGreaterThanOrEqual(0);
    // One reading per scrape: the lag is the difference of the two gauges above.
    expect(value("paas_checkpoint_lag")).toBe(latest - accepted);
    expect(value("paas_checkpoint_seconds_since_last_acceptance")).toBeGreaterThanOrEqual(0);
    expect(scrape).toMatch(/^paas_checkpoint_submission_failures_total\{outcome="permanent"\} 0$/m);
  });
});
