import { isLoopback, MAX_TIMER_MS } from "@paas/core";
import { z } from "zod";
import {
  BEARER_TOKEN,
  BEARER_TOKEN_RULE,
  HOST_NAME_RULE,
  HOST_NAME_WITHOUT_PORT,
  LOG_LEVELS,
} from "./shared-rules.js";

/** The default plugins: the three proof types of the rollup. */
export const DEFAULT_PLUGINS = ["@paas/plugin-evm-ee-stf", "@paas/plugin-cl-stf", "@paas/plugin-checkpoint"];

const url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const positiveInt = z.number().int().positive();
const TIMER_LIMIT = `at most ${MAX_TIMER_MS} ms (about 24.8 days): what a timer can wait`;
/** A delay or timeout: one a timer can wait, or it would fire at once. */
const milliseconds = positiveInt.max(MAX_TIMER_MS, TIMER_LIMIT);
const hexKey = z.string().regex(/^[0-9a-f]{64}$/, "a key is 64 lower-case hex digits");
/**
 * A file or directory. `~` is expanded by a shell, never in a config file, a systemd unit's
 * environment or `--set datadir="~/…"`: there it named a directory called `~` beside the config
 * file, and the prover ran on a fresh, empty data directory there.
 */
const filePath = z
  .string()
  .min(1)
  .refine((value) => !value.startsWith("~"), {
    message: "starts with ~, which only a shell expands: write the full path",
  });
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" });
const kindName = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "kinds are lower-case names");
const backendName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "backend names are lower-case");

/**
 * One backend. `type` picks the implementation; a backend named "native" is native when it says
 * nothing else.
 * - native: proves in this process's worker threads, signing with its key file.
 * - remote: a proving service speaking the remote-prover contract (the reference one is
 *   `paas prover-server`); its receipts must be signed with `public_key`.
 */
const nativeBackend = z
  .object({
    type: z.literal("native"),
    workers: positiveInt.max(256).default(2),
    /** Default `<datadir>/native-host.key`, created 0600. */
    key_file: filePath.optional(),
    /** Worker threads idle this long are released (and started again on demand). */
    idle_timeout_ms: milliseconds.optional(),
    /** Linux: proofs yield the CPU at once to any other thread (SCHED_IDLE); off on a shared machine. */
    idle_scheduling: z.boolean().optional(),
    /** A guest needing more heap than this fails permanently, not the whole process by the OS. */
    max_guest_heap_mb: positiveInt.max(1_048_576).optional(),
  })
  .strict();
const remoteBackend = z
  .object({
    type: z.literal("remote"),
    url,
    token: z.string().min(1).regex(BEARER_TOKEN, BEARER_TOKEN_RULE).optional(),
    /** The key the server signs receipts with (its start-up line prints it). */
    public_key: hexKey,
    /** Jobs at once on this backend. */
    concurrency: positiveInt.max(10_000).default(4),
    poll_interval_ms: milliseconds.default(1_000),
    request_timeout_ms: milliseconds.default(10_000),
  })
  .strict();
/** Without `type`, a backend with a `url` is a proving service (`remote`), any other `native`. */
const backendSchema = z.preprocess(
  (value) =>
    typeof value === "object" && value !== null && !("type" in value)
      ? { type: "url" in value ? "remote" : "native", ...value }
      : value,
  z.discriminatedUnion("type", [nativeBackend, remoteBackend], {
    error: 'type must be "native" or "remote"',
  }),
);
export type BackendConfig = z.infer<typeof backendSchema>;
const port = z.number().int().min(0).max(65_535);

/**
 * The prover client's configuration. Keys are snake_case in TOML (`[rpc] port = 4844`), in
 * environment variables (`PAAS_RPC__PORT=4844`) and in `--set rpc.port=4844`. Every default is
 * here, and in the app's README.
 */
export const configSchema = z
  .object({
    /** Where the task database, the host key and the embedded devnet's data live. */
    datadir: filePath.default("./data"),
    log_level: z.enum(LOG_LEVELS).default("info"),
    /** Proof-type packages to load, by npm package name. */
    plugins: z.array(z.string().min(1)).min(1).default(DEFAULT_PLUGINS),
    /** The backend a submission uses when it names none. */
    default_backend: z.string().default("native"),
    /** Task state: absent, SQLite at `<datadir>/paas.sqlite` (one instance); a URL, PostgreSQL (several). */
    database: z
      .object({
        url: postgresUrl.optional(),
        /** PostgreSQL: the schema the tables live in (made if missing), e.g. one per rollup. Default `public`. */
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a plain lower-case SQL name (letters, digits, _)")
          .optional(),
        /** PostgreSQL: connections this instance's pool may open (core's default, 10), beside one for LISTEN. */
        pool_size: positiveInt
          .min(3, "must be at least 3: the group commit, lease renewals and reads need one each")
          .max(1_000)
          .optional(),
      })
      .strict()
      .default({}),
    cluster: z
      .object({
        /** `all`: everything; `worker`: claims and proves, runs no once-per-cluster service (the checkpoint runner). */
        role: z.enum(["all", "worker"]).default("all"),
        /** How long a claim holds a task without renewal: a crashed instance's work is taken over after this. */
        lease_ms: positiveInt.min(1_000).max(3_600_000).default(30_000),
        /** Attempts a task may lose to crashes of its instance before it fails permanently. */
        max_interruptions: z.number().int().min(0).max(1_000).default(3),
      })
      .strict()
      .default({ role: "all", lease_ms: 30_000, max_interruptions: 3 }),
    /** What this instance takes: heavy proof types to bigger machines. Absent: everything. */
    claim: z
      .object({
        kinds: z.array(kindName).min(1).optional(),
        backends: z.array(backendName).min(1).optional(),
        /**
         * Tasks per backend claimed beyond its free proving slots, their inputs fetched while the
         * slots prove, so a slot that frees starts at once. Absent: as many as the backend has slots.
         */
        prefetch: z.number().int().min(0).max(10_000).optional(),
        /** Fetched inputs wait in this process's heap: none is fetched ahead while it holds more. */
        prefetch_max_heap_mb: positiveInt.default(1_024),
      })
      .strict()
      .default({ prefetch_max_heap_mb: 1_024 }),
    nodes: z
      .object({
        /** CL JSON-RPC URL; with `el_url` empty too, the devnet runs embedded in this process. */
        cl_url: url.optional(),
        el_url: url.optional(),
        timeout_ms: milliseconds.default(10_000),
        /**
         * The EL thread's heap (it reads and decodes witnesses and raw blocks): a thread over it
         * dies alone, failing its calls; one answer is capped at an eighth of it. Below 256 MiB the
         * thread can hardly decode a witness.
         */
        el_thread_heap_mb: z.number().int().min(256).default(2_048),
      })
      .strict()
      .default({ timeout_ms: 10_000, el_thread_heap_mb: 2_048 }),
    /** Backends by name; each is one host with its own capacity. See `backendSchema`. */
    backends: z.record(backendName, backendSchema).default({ native: { type: "native", workers: 2 } }),
    /** Per proof type: its backend (default `default_backend`) and how long one proof may run. */
    kinds: z
      .record(
        kindName,
        z
          .object({
            backend: backendName.optional(),
            prove_timeout_ms: milliseconds.optional(),
          })
          .strict(),
      )
      .default({}),
    retry: z
      .object({
        max_retries: z.number().int().min(0).default(15),
        base_delay_ms: z.number().int().min(0).max(MAX_TIMER_MS, TIMER_LIMIT).default(5_000),
        multiplier: z.number().min(1).default(1.5),
        max_delay_ms: z.number().int().min(0).max(MAX_TIMER_MS, TIMER_LIMIT).default(3_600_000),
      })
      .strict()
      .default({ max_retries: 15, base_delay_ms: 5_000, multiplier: 1.5, max_delay_ms: 3_600_000 }),
    rpc: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().min(1).default("127.0.0.1"),
        port: port.default(4844),
        max_body_bytes: positiveInt.default(1_048_576),
        /** When set, methods that change state need `Authorization: Bearer <token>`. */
        auth_token: z
          .string()
          .min(16, "must be at least 16 characters")
          .regex(BEARER_TOKEN, BEARER_TOKEN_RULE)
          .refine((token) => !/^change[-_ ]?me/i.test(token), {
            message: "is the example's placeholder: set a long random secret (e.g. `openssl rand -hex 32`)",
          })
          .optional(),
        /** Listen beyond loopback without a token anyway (a trusted network, a proxy that authenticates). */
        allow_unauthenticated: z.boolean().default(false),
        /**
         * Host names answered besides loopback names while listening on loopback (a local reverse
         * proxy that forwards its own Host); any other name is refused, against DNS rebinding.
         */
        allowed_hosts: z
          .array(z.string().min(1).max(253).regex(HOST_NAME_WITHOUT_PORT, HOST_NAME_RULE))
          .max(64)
          .default([]),
      })
      .strict()
      .default({
        enabled: true,
        host: "127.0.0.1",
        port: 4844,
        max_body_bytes: 1_048_576,
        allow_unauthenticated: false,
        allowed_hosts: [],
      }),
    /** Settings of each proof type, by kind (`[plugin_settings.checkpoint]`); each plugin validates its own. */
    plugin_settings: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** The embedded devnet, used when no node URLs are configured. */
    devnet: z
      .object({
        block_time_ms: milliseconds.default(1_000),
        slots_per_epoch: positiveInt.max(1_024).default(4),
        seed: z.string().min(1).default("paas-devnet"),
        // The devnet's own `--chain-id` range: one beyond it stopped the start with the usage's last line.
        chain_id: positiveInt.max(2 ** 32, "at most 4294967296 (2^32), what the devnet takes").default(1_337),
      })
      .strict()
      .default({ block_time_ms: 1_000, slots_per_epoch: 4, seed: "paas-devnet", chain_id: 1_337 }),
    progress: z
      .object({
        /** Print the progress view; default: when stdout is a terminal or in embedded mode. */
        enabled: z.boolean().optional(),
        interval_ms: milliseconds.default(2_000),
      })
      .strict()
      .default({ interval_ms: 2_000 }),
  })
  .strict()
  .superRefine((config, ctx) => {
    // Loaded twice, its plugin would claim its own kind twice: "claimed by both X and X".
    const repeated = config.plugins.find((name, i) => config.plugins.indexOf(name) !== i);
    if (repeated !== undefined) {
      ctx.addIssue({ code: "custom", path: ["plugins"], message: `"${repeated}" is listed twice` });
    }
    if ((config.nodes.cl_url === undefined) !== (config.nodes.el_url === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["nodes"],
        message: "set both cl_url and el_url (a real rollup), or neither (the embedded devnet)",
      });
    }
    if (
      config.database.url !== undefined &&
      config.nodes.cl_url === undefined &&
      config.nodes.el_url === undefined
    ) {
      // Each instance would prove its own devnet's chain and fail the others' tasks against it.
      ctx.addIssue({
        code: "custom",
        path: ["nodes"],
        message:
          "a shared PostgreSQL database (database.url) needs the rollup's nodes (nodes.cl_url, nodes.el_url): the embedded devnet is this process's own chain, which other instances do not see; point every instance at the rollup's nodes (to try it on one machine, a devnet of its own serves a chain on 127.0.0.1 that instances there can share: `npm run devnet` in the repository, `npx paas-devnet` where @paas/devnet is installed)",
      });
    }
    if (config.database.pool_size !== undefined && config.database.url === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["database", "pool_size"],
        message: "sizes the PostgreSQL pool: it needs database.url (SQLite has one connection)",
      });
    }
    if (config.database.schema !== undefined && config.database.url === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["database", "schema"],
        message: "is a PostgreSQL schema: it needs database.url (SQLite has none)",
      });
    }
    if (config.cluster.role === "worker" && config.database.url === undefined) {
      // A worker leaves the checkpoint runner to another instance, which SQLite's one-instance lock rules out.
      ctx.addIssue({
        code: "custom",
        path: ["cluster", "role"],
        message:
          "a worker runs no checkpoint runner and leaves it to another instance on the same database: that needs a shared PostgreSQL database (database.url); on SQLite this instance is the only one",
      });
    }
    const backends = Object.keys(config.backends);
    if (!backends.includes(config.default_backend)) {
      ctx.addIssue({
        code: "custom",
        path: ["default_backend"],
        message: `backend "${config.default_backend}" is not configured (configured: ${backends.join(", ")})`,
      });
    }
    for (const [kind, options] of Object.entries(config.kinds)) {
      if (options.backend !== undefined && !backends.includes(options.backend)) {
        ctx.addIssue({
          code: "custom",
          path: ["kinds", kind, "backend"],
          message: `backend "${options.backend}" is not configured (configured: ${backends.join(", ")})`,
        });
      }
    }
    for (const backend of config.claim.backends ?? []) {
      if (!backends.includes(backend)) {
        ctx.addIssue({
          code: "custom",
          path: ["claim", "backends"],
          message: `backend "${backend}" is not configured`,
        });
      }
    }
    const { rpc } = config;
    if (rpc.enabled && !isLoopback(rpc.host) && rpc.auth_token === undefined && !rpc.allow_unauthenticated) {
      ctx.addIssue({
        code: "custom",
        path: ["rpc", "host"],
        message: `${rpc.host} is reachable beyond this machine: set rpc.auth_token (methods that change state then need it), or rpc.allow_unauthenticated = true to accept the risk`,
      });
    }
  });

export type ProverConfig = z.infer<typeof configSchema>;
