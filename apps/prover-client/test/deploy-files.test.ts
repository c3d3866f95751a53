/**
 * The deployment material in deploy/ says what the app does: every example config loads with the
 * app's own config loader, and the systemd unit and the Dockerfile run the built entry that the
 * package's bin names, with plain node, as a user other than root.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { hostCheck, type TaskStatusName } from "@paas/core";
import { describe, expect, it } from "vitest";
import { run } from "../deploy/bundle.js";
import { loadConfig } from "../src/config/load-config.js";
import { EventStream } from "../src/http/event-stream.js";
import { buildHttpApp } from "../src/http/http-app.js";
import { ProverMetrics } from "../src/metrics/prover-metrics.js";

const DEPLOY = path.join(import.meta.dirname, "../deploy");
const README = path.join(import.meta.dirname, "../README.md");
const read = (file: string) => readFileSync(path.join(DEPLOY, file), "utf8");
const manifest = JSON.parse(readFileSync(path.join(import.meta.dirname, "../package.json"), "utf8")) as {
  bin: { paas: string };
};
/** Where the bin's file is in an installed app: node_modules/@paas/prover-client/dist/cli/main.js. */
const INSTALLED_ENTRY = `node_modules/@paas/prover-client/${manifest.bin.paas.replace(/^\.\//, "")}`;

describe("example configs", () => {
  const configs = readdirSync(path.join(DEPLOY, "config")).filter((f) => f.endsWith(".toml"));
  // Their secrets come from the environment, as the systemd unit's EnvironmentFile gives them.
  const env = { PAAS_RPC__AUTH_TOKEN: "0123456789abcdef0123456789abcdef" };
  const clusterEnv = { ...env, PAAS_DATABASE__URL: "postgres://paas:secret@db.internal:5432/paas" };
  const load = (name: string, withEnv: Record<string, string> = env) =>
    loadConfig({ file: path.join(DEPLOY, "config", name), env: withEnv });

  it("are the embedded devnet, a real rollup and a PostgreSQL cluster", () => {
    expect(configs.sort()).toEqual(["embedded-devnet.toml", "postgres-cluster.toml", "rollup.toml"]);
  });

  it.each(configs)("%s loads with the app's config loader", (name) => {
    const config = load(name, name === "postgres-cluster.toml" ? clusterEnv : env);
    expect(config.plugins.length).toBeGreaterThan(0);
    expect(config.progress.enabled).toBe(false);
  });

  it("say what each deployment is", () => {
    expect(load("embedded-devnet.toml").nodes.cl_url).toBeUndefined();
    const rollup = load("rollup.toml");
    expect(rollup.nodes.cl_url).toBeDefined();
    expect(rollup.database.url).toBeUndefined();
    expect(rollup.rpc.host).toBe("0.0.0.0");
    expect(rollup.rpc.auth_token).toBe(env.PAAS_RPC__AUTH_TOKEN);
    // No secret sits in a file meant to be copied.
    for (const name of configs) expect(read(`config/${name}`)).not.toMatch(/auth_token\s*=/);
    // The database URL holds a password: it comes from the environment too, and an instance
    // without it is refused, not started alone on a SQLite file outside the cluster.
    expect(() => load("postgres-cluster.toml")).toThrow(/database\.url/);
    const cluster = load("postgres-cluster.toml", clusterEnv);
    expect(cluster.database.url).toMatch(/^postgres:\/\//);
    // No URL with a password as a value (the comment's placeholder is not one).
    for (const name of configs) expect(read(`config/${name}`)).not.toMatch(/"postgres:\/\/[^"]*:[^@"]*@/);
    expect(cluster.backends.native).toMatchObject({ key_file: "/etc/paas/native-host.key" });
  });
});

describe("systemd unit", () => {
  const unit = read("systemd/paas-prover.service");
  const directive = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(unit)?.[1];

  it("runs the built entry with plain node, as its own user", () => {
    expect(directive("ExecStart")).toBe(
      `/usr/bin/node /opt/paas/${INSTALLED_ENTRY} start --config /etc/paas/paas.toml`,
    );
    expect(directive("User")).toBe("paas");
    expect(directive("EnvironmentFile")).toBe("-/etc/paas/paas.env");
    expect(unit).not.toMatch(/tsx|--import|\.ts\b|\/src\//);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
  const stages = instructions.reduce<string[][]>((all, line) => {
    if (line.startsWith("FROM ")) all.push([]);
    all.at(-1)?.push(line);
    return all;
  }, []);
  const runtime = stages.at(-1) ?? [];

  it("builds in one stage, installs the bundle in another from its lockfile, and runs a third", () => {
    expect(stages.length).toBe(3);
    expect(stages[0]?.find((l) => l.includes("pack:deployment"))).toContain("npm run build");
    // `npm ci`: the bundle's lockfile, not a resolution against the registry on the day.
    expect(stages[1]?.join("\n")).toContain("npm ci --omit=dev");
    expect(stages[1]?.join("\n")).not.toContain("npm install");
  });

  it("runs built JavaScript only, as a user other than root", () => {
    const user = runtime.filter((l) => l.startsWith("USER ")).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/\broot\b|\b0\b/);
    expect(runtime.find((l) => l.startsWith("ENTRYPOINT "))).toBe(
      `ENTRYPOINT ["node", "/opt/paas/${INSTALLED_ENTRY}"]`,
    );
    // What the runtime stage copies: the installed app (from the install stage) and a config.
    const copies = runtime.filter((l) => l.startsWith("COPY "));
    expect(copies).toEqual([
      "COPY --from=install /opt/paas /opt/paas",
      "COPY apps/prover-client/deploy/config/embedded-devnet.toml /etc/paas/paas.toml",
    ]);
    expect(runtime.join("\n")).not.toMatch(/tsx|\.ts\b|\/src\b/);
  });
});

describe("pack:deployment", () => {
  it("refuses a directory that holds anything already, before it packs", () => {
    // Written over, a bundle kept what the earlier one named: `--without-devnet` after a bundle
    // with the devnet still installed it, and a `--with` plugin dropped since stayed in.
    const dir = mkdtempSync(path.join(tmpdir(), "paas-bundle-"));
    try {
      writeFileSync(path.join(dir, "package.json"), '{ "dependencies": { "@paas/devnet": "file:x.tgz" } }\n');
      const packed = run(process.execPath, ["--import", "tsx", path.join(DEPLOY, "pack.ts"), dir], DEPLOY);
      expect(packed.status, packed.output).toBe(1);
      expect(packed.output).toContain(`${dir} is not empty`);
      expect(readdirSync(dir)).toEqual(["package.json"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Dockerfile's health check", () => {
  const line = read("Dockerfile")
    .replace(/\\\n/g, " ")
    .split("\n")
    .find((l) => l.startsWith("HEALTHCHECK "));
  const command = JSON.parse(/ CMD (\[.*\])$/.exec(line ?? "")?.[1] ?? "null") as string[] | null;
  /** The check as Docker runs it in the container, with this test's node and `env`. */
  const check = async (env: Record<string, string>) => {
    const [program, ...args] = command!;
    expect(program).toBe("node");
    try {
      await promisify(execFile)(process.execPath, args, { env: { PATH: process.env.PATH ?? "", ...env } });
      return 0;
    } catch (error) {
      return (error as { code: number }).code;
    }
  };

  it("passes while the app's HTTP server answers /health, and fails when nothing does", async () => {
    const events = new EventStream();
    const app = await buildHttpApp({
      methods: {},
      maxBodyBytes: 1024,
      events,
      readiness: [],
      readinessTimeoutMs: 1_000,
      metrics: async () => ({ contentType: "text/plain", body: "" }),
      acceptsHost: hostCheck("127.0.0.1", []),
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = String((app.server.address() as AddressInfo).port);
    try {
      expect(await check({ PAAS_RPC__PORT: port })).toBe(0);
    } finally {
      await app.close();
    }
    expect(await check({ PAAS_RPC__PORT: port })).toBe(1);
  });
});

describe("Grafana dashboard", () => {
  const dashboard = JSON.parse(read("grafana-dashboard.json")) as {
    templating: { list: { name: string; query?: string; includeAll?: boolean }[] };
  };
  const job = dashboard.templating.list.find((v) => v.name === "job");

  it("offers only the jobs that scrape a prover client", async () => {
    // "All" (the default) expands to every value of this variable: drawn from a standard metric
    // (process_*, which Prometheus, node_exporter and any Go or Node service export too), the
    // Memory panel would chart their processes beside the prover's, all labelled "resident".
    const metric = /^label_values\((\w+),\s*job\)$/.exec(job?.query ?? "")?.[1];
    expect(metric).toMatch(/^paas_/);
    // ...and one a prover client serves from its start, with no task in its database yet.
    const metrics = new ProverMetrics();
    metrics.readFrom({
      summary: async () => ({ total: 0, byStatus: {}, rows: [] }),
      backends: () => ["native"],
      kinds: () => ["checkpoint"],
      pluginReports: async () => ({}),
      provingLoad: () => [{ backend: "native", busy: 0, capacity: 2, waiting: 0 }],
    } as unknown as Parameters<ProverMetrics["readFrom"]>[0]);
    const { body } = await metrics.render();
    expect(body).toMatch(new RegExp(`^${metric}(\\{[^}]*\\})? `, "m"));
  });

  it("names the instance of every series it draws per instance, as a cluster has several", () => {
    const targets = (
      dashboard as unknown as {
        panels: { title: string; targets: { expr: string; legendFormat: string }[] }[];
      }
    ).panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, ...t })));
    // An aggregation (or a quantile of one) leaves `instance` out; anything else draws a series per instance.
    const perInstance = targets.filter((t) => !/^(sum|max|min|avg|count|histogram_quantile)\b/.test(t.expr));
    expect(perInstance.map((t) => t.panel)).toContain("Process CPU");
    for (const t of perInstance) expect(t.legendFormat, `${t.panel}: ${t.expr}`).toContain("{{instance}}");
  });

  it("charts how long proofs take, not how soon attempts left proving without one", async () => {
    const panel = (
      dashboard as unknown as { panels: { title: string; targets: { expr: string }[] }[] }
    ).panels.find((p) => p.title.startsWith("Proving duration"));
    const median = panel?.targets.find((t) => t.expr.startsWith("histogram_quantile(0.5,"))?.expr ?? "";
    // After an upgrade, five nodes each claimed and sent back to wait within milliseconds (their
    // dependencies' proofs were stale: `proving → blocked`), then two of them proven in 20 s each.
    const metrics = new ProverMetrics();
    let at = 0;
    const move = (id: string, from: TaskStatusName, to: TaskStatusName, after: number) => {
      at += after;
      metrics.observe({
        id,
        kind: "node",
        backend: "native",
        context: { kind: "node" },
        from,
        to,
        at,
        retryCount: 1,
      });
    };
    for (const id of ["c", "d", "e", "f", "g"]) {
      move(id, "queued", "proving", 0);
      move(id, "proving", "blocked", 5);
    }
    for (const id of ["c", "d"]) {
      move(id, "queued", "proving", 0);
      move(id, "proving", "completed", 20_000);
    }
    const { body } = await metrics.render();
    // The panel's median for `node` over the whole window, as Prometheus computes it.
    expect(medianOf(median, body, "node")).toBeGreaterThanOrEqual(10);
  });

  it("charts proofs as long as the README's remote backend lets them run (prove_timeout_ms = 1800000)", async () => {
    const panel = (
      dashboard as unknown as { panels: { title: string; targets: { expr: string }[] }[] }
    ).panels.find((p) => p.title.startsWith("Proving duration"));
    const median = panel?.targets.find((t) => t.expr.startsWith("histogram_quantile(0.5,"))?.expr ?? "";
    const timeout = Number(/^prove_timeout_ms = (\d+)$/m.exec(readFileSync(README, "utf8"))?.[1]);
    // Two proofs of 20 and 25 minutes, within that timeout.
    expect(timeout).toBeGreaterThanOrEqual(25 * 60_000);
    const metrics = new ProverMetrics();
    for (const [id, minutes] of [
      ["a", 20],
      ["b", 25],
    ] as const) {
      const proof = {
        id,
        kind: "evm-ee-stf",
        backend: "prover-net",
        context: { kind: "evm-ee-stf" },
        retryCount: 0,
      };
      metrics.observe({ ...proof, from: "queued", to: "proving", at: 0 });
      metrics.observe({ ...proof, from: "proving", to: "completed", at: minutes * 60_000 });
    }
    const { body } = await metrics.render();
    // Past the last bucket, Prometheus answers that bucket's bound: the median read 15 minutes.
    expect(medianOf(median, body, "evm-ee-stf")).toBeGreaterThanOrEqual(20 * 60);
    expect(medianOf(median, body, "evm-ee-stf")).toBeLessThanOrEqual(25 * 60);
  });
});

/**
 * `histogram_quantile(0.5, sum by (le, kind) (rate(<selector>[…])))` for `kind`, over one scrape
 * taken as the whole window: the buckets of the series the selector's label matchers (other than
 * `job`) select, summed, and the median interpolated in its bucket as Prometheus does.
 */
function medianOf(expr: string, scrape: string, kind: string): number {
  const selector = /(\w+_bucket)\{([^}]*)\}/.exec(expr);
  if (!selector) throw new Error(`no bucket selector in ${expr}`);
  const matchers = [...selector[2]!.matchAll(/(\w+)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"/g)]
    .filter(([, label]) => label !== "job")
    .map(([, label, op, value]) => ({
      label: label!,
      re: new RegExp(op === "=~" ? `^(?:${value})$` : `^${value}$`),
    }));
  const buckets = new Map<number, number>();
  for (const line of scrape.split("\n")) {
    const series = new RegExp(`^${selector[1]}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (!series) continue;
    const labels = Object.fromEntries([...series[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.kind !== kind || !matchers.every((m) => m.re.test(labels[m.label] ?? ""))) continue;
    const le = Number(labels.le === "+Inf" ? Number.POSITIVE_INFINITY : labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(series[2]));
  }
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const rank = 0.5 * sorted.at(-1)![1];
  let lower = 0;
  let below = 0;
  for (const [le, count] of sorted) {
    // In the +Inf bucket, Prometheus answers the highest finite bound: it cannot say how far above.
    if (count >= rank)
      return le === Number.POSITIVE_INFINITY
        ? lower
        : lower + ((le - lower) * (rank - below)) / (count - below);
    [lower, below] = [le, count];
  }
  return Number.NaN;
}
