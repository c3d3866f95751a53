import type { AddressInfo } from "node:net";
import path from "node:path";
import {
  DATABASE_FILE,
  holdLockFile,
  hostCheck,
  InvalidConfigError,
  LOGGER,
  newInstanceId,
  PLUGIN_SETTINGS,
  PluginSettings,
  type ProverService,
  ProverServiceBuilder,
  redactedUrl,
  TransientError,
} from "@paas/core";
import { endpointOf, type MethodRegistry, newRpcToken, writeRpcTokenFile } from "@paas/jsonrpc";
import { CHECKPOINT, ClClient, ElClient } from "@paas/rollup";
import { createHostResolver, NativeHost, programIdOf, type ZkVmHostResolver } from "@paas/zkvm";
import type { Logger } from "pino";
import { container as rootContainer } from "tsyringe";
import type { ProverConfig } from "../config/schema.js";
import { pluginSettingPaths } from "../config/setting-paths.js";
import { withPluginSettingSources } from "../config/setting-sources.js";
import { EventStream } from "../http/event-stream.js";
import { buildHttpApp } from "../http/http-app.js";
import { taskEvent } from "../http/task-event.js";
import { logActions } from "../logging/action-log.js";
import { logRpcErrors } from "../logging/rpc-error-log.js";
import { logServiceErrors } from "../logging/service-error-log.js";
import { logTransitions } from "../logging/transition-log.js";
import { ProverMetrics } from "../metrics/prover-metrics.js";
import { buildOverview } from "../overview/overview.js";
import { RecentActivity } from "../overview/recent-activity.js";
import { coreMethods } from "../rpc/core-methods.js";
import { operatorMethods } from "../rpc/operator-methods.js";
import { makeDatadir } from "./datadir.js";
import { withDevnetChainSpec } from "./devnet-chain-spec.js";
import { type EmbeddedDevnet, startEmbeddedDevnet } from "./embedded-devnet.js";
import { cannotListen, holdPort } from "./hold-port.js";
import { hostsConfig, kindOptions } from "./host-options.js";
import { succeedInstance } from "./instance-file.js";
import { loadPluginPackages } from "./load-plugins.js";
import { checkRemoteBackends, remoteBackendChecks } from "./remote-backends.js";
import { unlessStopped } from "./unless-stopped.js";

export interface ProverApp {
  readonly config: ProverConfig;
  readonly service: ProverService;
  readonly metrics: ProverMetrics;
  /** The JSON-RPC URL, when the server is enabled. */
  readonly rpcUrl?: string;
  /**
   * What methods that change state need: `rpc.auth_token`, or else the token made at this start
   * and written to `rpcTokenFile`; none with `rpc.allow_unauthenticated`.
   */
  readonly rpcToken?: string;
  readonly rpcTokenFile?: string;
  /** The CL and EL node URLs in use (the embedded devnet's when none were configured). */
  readonly nodes: { readonly clUrl: string; readonly elUrl: string; readonly embedded: boolean };
  readonly startedAt: number;
  /**
   * Settles when something the client cannot work without stops on its own after the start (the
   * embedded devnet, its only chain; the prover service, when a newer version of PaaS migrated the
   * shared database under it): why. `paas start` then stops with that error; nothing
   * unfinished is lost, and the next start resumes it. Never once `close()` has begun: a service
   * manager stopping the whole unit signals the devnet too, which may then exit first.
   */
  readonly failed: Promise<Error>;
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Called as each start-up stage begins (`paas start` prints them before the progress view). */
  readonly onStage?: (message: string) => void;
  /**
   * A stop while it starts (`paas start`'s first signal): the stage it waits in is given up at
   * once, what was opened is closed, and the build rejects with the signal's reason.
   */
  readonly signal?: AbortSignal;
}

/**
 * Builds the whole prover client from its config: the one function behind both `paas start` and
 * the tests. Everything that can be wrong is found here, before proving starts: a plugin package
 * that does not load, a backend without a host, a plugin whose collaborators are missing, a remote
 * server that signs with another key or refuses the token, a port in use. On failure, whatever was
 * started is stopped again.
 */
export async function buildProverApp(
  config: ProverConfig,
  logger: Logger,
  options: BuildOptions = {},
): Promise<ProverApp> {
  const stage = (message: string) => {
    logger.info(message);
    options.onStage?.(message);
  };
  const { signal } = options;
  const logServiceError = logServiceErrors(logger);
  const closers: (() => Promise<void>)[] = [];
  let closing = false;
  const closeAll = async () => {
    closing = true;
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => logger.error({ err: error }, "error while stopping"));
    }
  };
  try {
    makeDatadir(config.datadir);
    stage(`loading plugins: ${config.plugins.join(", ")}`);
    const plugins = await unlessStopped(loadPluginPackages(config.plugins), signal);
    const hosts = createHostResolver(hostsConfig(config.backends), { dataDir: config.datadir, logger });
    closers.push(() => hosts.close());

    const container = rootContainer.createChildContainer();
    const embedded = config.nodes.cl_url === undefined;
    const pluginSettings = pluginSettingPaths(config, plugins);
    const settings = embedded
      ? withDevnetChainSpec(
          pluginSettings,
          config.devnet.chain_id,
          plugins.map((plugin) => plugin.kind),
        )
      : pluginSettings;
    container.registerInstance(PLUGIN_SETTINGS, new PluginSettings(settings));
    // Plugins log through the app's logger (a child per plugin, made by the builder).
    container.registerInstance(LOGGER, logger);

    const instanceId = newInstanceId();
    const builder = new ProverServiceBuilder({
      database:
        config.database.url !== undefined
          ? {
              url: config.database.url,
              ...(config.database.schema !== undefined && { schema: config.database.schema }),
              ...(config.database.pool_size !== undefined && { poolSize: config.database.pool_size }),
            }
          : { path: path.join(config.datadir, DATABASE_FILE) },
      instanceId,
      container,
      role: config.cluster.role,
      leaseMs: config.cluster.lease_ms,
      maxInterruptions: config.cluster.max_interruptions,
      prefetch: {
        ...(config.claim.prefetch !== undefined && { depth: config.claim.prefetch }),
        maxHeapBytes: config.claim.prefetch_max_heap_mb * 1024 * 1024,
      },
      claim: {
        ...(config.claim.kinds !== undefined && { kinds: config.claim.kinds }),
        ...(config.claim.backends !== undefined && { backends: config.claim.backends }),
      },
      retry: {
        maxRetries: config.retry.max_retries,
        baseDelayMs: config.retry.base_delay_ms,
        multiplier: config.retry.multiplier,
        maxDelayMs: config.retry.max_delay_ms,
      },
      defaultBackend: config.default_backend,
      kinds: kindOptions(config.kinds),
      onError: logServiceError,
      // Ends an outage the errors began, with one line: the first heartbeat the database takes again.
      onHeartbeat: () => logServiceError.answered(),
    }).hosts(hosts);
    for (const plugin of plugins) builder.register(plugin.pluginClass);
    try {
      builder.checkPlugins();
    } catch (error) {
      throw withPluginSettingSources(error, config);
    }
    await unlessStopped(checkRemoteBackends(hosts, logger), signal);
    // Before the devnet: a data directory in use or an unreachable database is found first.
    stage(`opening the task database: ${databaseDescription(config)}`);
    if (config.database.url !== undefined) {
      closers.push(lockDatadir(config.datadir));
      // The lock proves the process that held it before is dead: its leases need not lapse.
      const predecessor = succeedInstance(config.datadir, instanceId);
      if (predecessor !== undefined) builder.replacing(predecessor);
    }
    closers.push(await unlessStopped(builder.openDatabase(), signal, (close) => close()));

    const connected = await connectNodes(config, hosts, stage, closers, signal);
    const { nodes } = connected;
    let fail!: (error: Error) => void;
    const failed = new Promise<Error>((resolve) => {
      fail = (error) => {
        if (!closing) resolve(error);
      };
    });
    void connected.failed.then((error) => {
      if (closing) return;
      logger.error(error.message);
      fail(error);
    });
    const timeout = { timeoutMs: config.nodes.timeout_ms };
    const clients = {
      cl: new ClClient({ url: nodes.clUrl, ...timeout }),
      el: new ElClient({ url: nodes.elUrl, ...timeout, threadHeapMb: config.nodes.el_thread_heap_mb }),
    };
    container.registerInstance(ClClient, clients.cl);
    container.registerInstance(ElClient, clients.el);
    const metrics = new ProverMetrics();
    const recent = new RecentActivity();
    // The dashboard's stream; transitions reach it from launch on, overviews once launched.
    let launched: ProverService | undefined;
    const overview = () => {
      if (launched === undefined) throw new Error("the prover service is not launched yet");
      return buildOverview({ service: launched, recent, self: instanceId });
    };
    const events = new EventStream({
      snapshot: { event: "overview", read: overview, tickMs: 1_000 },
      onError: (error) => logServiceError(error, "dashboard overview"),
    });
    const logTransition = logTransitions(logger);
    builder.onTransition((t) => {
      metrics.observe(t);
      recent.observe(t);
      events.publish("task", taskEvent(t));
      logTransition(t);
    });
    // The RPC port is taken before proving starts: one in use fails the start here.
    const port = config.rpc.enabled ? await holdPort(config.rpc.host, config.rpc.port) : undefined;
    if (port) closers.push(() => port.release());
    stage("starting the prover service");
    const service = await unlessStopped(builder.launch(), signal, (launched) => launched.close());
    closers.push(() => service.close());
    // Core logs why as the service stops itself (a newer version migrated the shared database).
    void service.failed.then(fail);
    launched = service;
    metrics.readFrom(service);
    for (const host of hosts.hosts()) {
      if (host instanceof NativeHost) host.onProved((summary) => metrics.observeProof(summary));
    }
    logger.info(
      {
        kinds: service.kinds(),
        backends: service.backends(),
        datadir: config.datadir,
        database: databaseDescription(config),
        role: config.cluster.role,
      },
      "prover service started",
    );

    const startedAt = Date.now();
    const app = { config, service, metrics, nodes, startedAt, failed };
    if (!config.rpc.enabled) return { ...app, close: closeAll };
    // The token methods that change state need: `rpc.auth_token`; else one made for this start
    // and written, once the server listens, to the data directory for the CLI (deleted at the
    // stop); none when the operator accepted the risk (`rpc.allow_unauthenticated`).
    const made = config.rpc.auth_token === undefined && !config.rpc.allow_unauthenticated;
    const token = made ? newRpcToken() : config.rpc.auth_token;
    await port?.release();
    const rpcUrl = await startHttp(app, { clients, hosts, events, overview, token }, logger, closers);
    let rpcTokenFile: string | undefined;
    if (made) {
      const written = writeRpcTokenFile(config.datadir, { token: token!, url: rpcUrl });
      closers.push(async () => written.remove());
      rpcTokenFile = written.file;
    }
    return {
      ...app,
      rpcUrl,
      ...(token !== undefined && { rpcToken: token }),
      ...(rpcTokenFile !== undefined && { rpcTokenFile }),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * One instance per data directory on PostgreSQL too (on SQLite the task database's own lock sees
 * to it): two instances there would overwrite each other's `rpc-token`, so the CLI would reach only
 * the later one, and write one log file.
 */
const DATADIR_LOCK_FILE = "prover-client.lock";

function lockDatadir(datadir: string): () => Promise<void> {
  const lock = holdLockFile(
    path.join(datadir, DATADIR_LOCK_FILE),
    (holder) =>
      `data directory ${datadir} is in use by another prover client (${holder}): give each instance its own (--datadir); they share the PostgreSQL database`,
  );
  return async () => lock.release();
}

/** The task database as logs show it: the PostgreSQL URL without its password (and the schema), or the SQLite file. */
export function databaseDescription(config: ProverConfig): string {
  const { url, schema } = config.database;
  return url !== undefined
    ? `PostgreSQL at ${redactedUrl(url)}${schema !== undefined ? ` (schema ${schema})` : ""}`
    : `SQLite ${path.join(config.datadir, DATABASE_FILE)}`;
}

async function connectNodes(
  config: ProverConfig,
  hosts: ZkVmHostResolver,
  stage: (message: string) => void,
  closers: (() => Promise<void>)[],
  signal: AbortSignal | undefined,
): Promise<{ nodes: ProverApp["nodes"]; failed: Promise<Error> }> {
  const { cl_url, el_url } = config.nodes;
  if (cl_url !== undefined && el_url !== undefined) {
    // The rollup's nodes come and go on their own; calls to them are retried, never fatal.
    return { nodes: { clUrl: cl_url, elUrl: el_url, embedded: false }, failed: new Promise(() => {}) };
  }
  stage("starting the embedded devnet (loading the EVM takes a few seconds)");
  // The devnet's CL trusts the key of the backend that proves checkpoints.
  const checkpointBackend = config.kinds[CHECKPOINT.kind]?.backend ?? config.default_backend;
  const proverPublicKey = hosts.publicKeys()[checkpointBackend];
  if (proverPublicKey === undefined) {
    throw new InvalidConfigError(
      `the embedded devnet: backend "${checkpointBackend}" for checkpoints is not configured`,
    );
  }
  const devnet: EmbeddedDevnet = await startEmbeddedDevnet({
    dataDir: path.join(config.datadir, "devnet"),
    blockTimeMs: config.devnet.block_time_ms,
    slotsPerEpoch: config.devnet.slots_per_epoch,
    seed: config.devnet.seed,
    chainId: config.devnet.chain_id,
    logLevel: config.log_level,
    proverPublicKey,
    checkpointProgramId: Buffer.from(
      programIdOf(CHECKPOINT.program.name, CHECKPOINT.program.version),
    ).toString("hex"),
    ...(signal !== undefined && { signal }),
  });
  closers.push(() => devnet.close());
  stage(`embedded devnet at ${devnet.url} (its log: ${devnet.logFile})`);
  return {
    nodes: { clUrl: devnet.url, elUrl: devnet.url, embedded: true },
    failed: devnet.exitedUnexpectedly.then(
      (what) => new Error(`${what}; stopping: start again to resume, the chain and unfinished work are kept`),
    ),
  };
}

/**
 * The task database answers reads and takes this instance's writes: after a failover a standby
 * answers every read and refuses every write, and an instance that can claim and store nothing
 * was reported ready.
 */
async function databaseWorks(service: ProverService): Promise<void> {
  await service.summary();
  const stall = service.writeStall();
  if (stall !== undefined) throw new TransientError(stall);
}

async function startHttp(
  app: Omit<ProverApp, "close" | "rpcUrl">,
  parts: {
    readonly clients: { readonly cl: ClClient; readonly el: ElClient };
    readonly hosts: ZkVmHostResolver;
    readonly events: EventStream;
    readonly overview: () => ReturnType<typeof buildOverview>;
    readonly token: string | undefined;
  },
  logger: Logger,
  closers: (() => Promise<void>)[],
): Promise<string> {
  const { config, service, metrics } = app;
  const actions = logActions(logger);
  const methods: Record<string, MethodRegistry[string]> = {
    ...coreMethods(service, {
      actions,
      report: async () => ({
        uptimeSeconds: Math.round((Date.now() - app.startedAt) / 1_000),
        instances: await service.instances(),
        nodes: {
          cl: endpointOf(app.nodes.clUrl),
          el: endpointOf(app.nodes.elUrl),
          embedded: app.nodes.embedded,
        },
        plugins: await service.pluginReports(),
        // What a receipt's consumer verifies it against; without it, only the datadir's key file said.
        hostKeys: parts.hosts.publicKeys(),
      }),
    }),
    ...operatorMethods(service, { overview: parts.overview, actions }),
  };
  for (const [name, method] of service.rpcMethods()) {
    if (methods[name])
      throw new InvalidConfigError(
        `RPC method ${name} of plugin "${method.kind}" is one the app serves: the plugin must name it otherwise`,
      );
    methods[name] = {
      mutates: method.mutates,
      async handler(params, call) {
        const result = await method.handler(params);
        // A plugin's action (every one submits a task: `{ id, created, … }`), logged as the app's are.
        if (method.mutates) {
          const { id, created } = (result ?? {}) as { id?: unknown; created?: unknown };
          actions(call, {
            kind: method.kind,
            params,
            ...(typeof id === "string" && { task: id }),
            ...(typeof created === "boolean" && { created }),
          });
        }
        return result;
      },
    };
  }
  const readinessTimeoutMs = Math.min(config.nodes.timeout_ms, 5_000);
  const server = await buildHttpApp({
    methods,
    ...(parts.token !== undefined && { bearerToken: parts.token }),
    maxBodyBytes: config.rpc.max_body_bytes,
    acceptsHost: hostCheck(config.rpc.host, config.rpc.allowed_hosts),
    onError: logRpcErrors(logger),
    metrics: () => metrics.render(),
    readiness: [
      { name: "database", check: () => databaseWorks(service) },
      { name: "cl", check: (signal) => parts.clients.cl.getLatestCheckpointIndex({ signal }) },
      { name: "el", check: (signal) => parts.clients.el.blockNumber({ signal }) },
      ...remoteBackendChecks(parts.hosts),
    ],
    readinessTimeoutMs,
    events: parts.events,
  });
  closers.push(() => server.close());
  try {
    await server.listen({ host: config.rpc.host, port: config.rpc.port });
  } catch (error) {
    throw cannotListen(config.rpc.host, config.rpc.port, error);
  }
  const { port } = server.server.address() as AddressInfo;
  const shownHost = config.rpc.host.includes(":") ? `[${config.rpc.host}]` : config.rpc.host;
  const url = `http://${shownHost}:${port}/`;
  logger.info({ url }, "JSON-RPC server and dashboard listening");
  return url;
}
