import {
  type InstanceInfo,
  type ProverService,
  TASK_STATUSES,
  TaskNotFoundError,
  type TaskStatusName,
} from "@paas/core";
import { CHECKPOINT } from "@paas/rollup";
import type { DurationPercentiles, RecentActivity } from "./recent-activity.js";

/** A recent checkpoint as the dashboard's table shows it. */
export interface CheckpointOverview {
  readonly index: number;
  /** Its task's key, once one exists. */
  readonly id?: string;
  /** Its task's status, or "not_submitted" when the CL has it and no task exists yet. */
  readonly status: TaskStatusName | "not_submitted";
  /** Its dependency tree (itself included) by status. */
  readonly treeStatus: Partial<Record<TaskStatusName, number>>;
  /** Whether the CL has accepted a proof of it. */
  readonly accepted: boolean;
  /** How many checkpoints the CL's latest is ahead of it. */
  readonly lagBehindLatest: number;
}

/** What `paas_getOverview` answers and `/events` sends as `overview`. */
export interface Overview {
  readonly at: number;
  readonly tasks: {
    readonly total: number;
    readonly byStatus: Readonly<Record<TaskStatusName, number>>;
    readonly byKind: Readonly<Record<string, Partial<Record<TaskStatusName, number>>>>;
    /** Of `byStatus.transient_failure`, the tasks waiting for the chain (`StatusSummary.waiting`). */
    readonly waiting: number;
    /** The same by kind, for the kinds that have any. */
    readonly waitingByKind: Readonly<Record<string, number>>;
  };
  /** Tasks that completed on this instance in the last minute. */
  readonly throughputPerMinute: number;
  /** By kind, this instance's last proofs (up to 200 each). */
  readonly provingDurations: Readonly<Record<string, DurationPercentiles>>;
  /** Tasks waiting for a proving slot, cluster-wide. */
  readonly queueDepth: number;
  readonly instances: readonly InstanceInfo[];
  /** This instance's id among `instances`: the one whose "on this instance" figures these are. */
  readonly self: string;
  /** The CL's view, when the checkpoint proof type is loaded and has heard from it. */
  readonly cl: { readonly latestCheckpoint: number | null; readonly nextUnproven: number | null } | null;
  /** The most recent checkpoints, newest first. */
  readonly checkpoints: readonly CheckpointOverview[];
  /** What the plugins' reports say waits for an operator (`attention`), as `paas report` shows it. */
  readonly attention: readonly { readonly kind: string; readonly message: string }[];
}

export interface OverviewSources {
  readonly service: ProverService;
  readonly recent: RecentActivity;
  /** The id this instance has among the cluster's. */
  readonly self: string;
  /** How many of the latest checkpoints to show. */
  readonly recentCheckpoints?: number;
}

/** What the checkpoint plugin's report says about the CL (see @paas/plugin-checkpoint's facts). */
interface ClFacts {
  readonly latestCheckpoint?: number | null;
  readonly nextUnproven?: number | null;
  readonly polledAt?: string | null;
}

/**
 * The dashboard's overview, from what the service and the checkpoint plugin already keep: task
 * counts (a few dozen rows kept by triggers), instances, the plugin's in-memory CL facts, and one
 * graph read per recent checkpoint.
 */
export async function buildOverview(sources: OverviewSources): Promise<Overview> {
  const { service, recent } = sources;
  const [summary, instances, reports] = await Promise.all([
    service.summary(),
    service.instances(),
    service.pluginReports(),
  ]);
  const byKind: Record<string, Partial<Record<TaskStatusName, number>>> = {};
  const waitingByKind: Record<string, number> = {};
  for (const row of summary.rows) {
    const counts = byKind[row.kind] ?? {};
    byKind[row.kind] = counts;
    counts[row.status] = (counts[row.status] ?? 0) + row.count;
    if (row.waiting) waitingByKind[row.kind] = (waitingByKind[row.kind] ?? 0) + row.waiting;
  }
  const facts = reports[CHECKPOINT.kind] as ClFacts | undefined;
  const cl =
    facts?.polledAt == null
      ? null
      : { latestCheckpoint: facts.latestCheckpoint ?? null, nextUnproven: facts.nextUnproven ?? null };
  return {
    at: Date.now(),
    tasks: {
      total: summary.total,
      byStatus: summary.byStatus,
      byKind,
      waiting: summary.waiting,
      waitingByKind,
    },
    throughputPerMinute: recent.throughputPerMinute(),
    provingDurations: recent.provingDurations(),
    queueDepth: summary.byStatus.queued,
    instances,
    self: sources.self,
    cl,
    checkpoints: cl === null ? [] : await recentCheckpoints(service, cl, sources.recentCheckpoints ?? 10),
    attention: Object.entries(reports).flatMap(([kind, report]) => {
      const message = (report as { attention?: unknown }).attention;
      return typeof message === "string" && message !== "" ? [{ kind, message }] : [];
    }),
  };
}

async function recentCheckpoints(
  service: ProverService,
  cl: NonNullable<Overview["cl"]>,
  count: number,
): Promise<CheckpointOverview[]> {
  const latest = cl.latestCheckpoint;
  if (latest === null || !service.kinds().includes(CHECKPOINT.kind)) return [];
  const backend = service.backendFor(CHECKPOINT.kind);
  const indices = Array.from({ length: Math.min(count, latest + 1) }, (_, i) => latest - i);
  return Promise.all(
    indices.map(async (index): Promise<CheckpointOverview> => {
      // Everything below the CL's next unproven checkpoint is accepted; with none unproven, all are.
      // The CL's view may be a few seconds old; a completed checkpoint task was accepted (its
      // publication is part of it) even when that view does not show it yet.
      const acceptedByCl = cl.nextUnproven === null ? true : index < cl.nextUnproven;
      const lagBehindLatest = latest - index;
      try {
        const graph = await service.graph({ context: { kind: CHECKPOINT.kind, index }, backend });
        const treeStatus: Partial<Record<TaskStatusName, number>> = {};
        for (const node of graph.nodes) treeStatus[node.status] = (treeStatus[node.status] ?? 0) + 1;
        const root = graph.nodes.find((node) => node.id === graph.root);
        const status = root?.status ?? "not_submitted";
        return {
          index,
          id: graph.root,
          status,
          treeStatus: sortedByLifecycle(treeStatus),
          accepted: acceptedByCl || status === "completed",
          lagBehindLatest,
        };
      } catch (error) {
        // Pruned, or never submitted (the runner is off, or the CL is ahead of it).
        if (error instanceof TaskNotFoundError) {
          return { index, status: "not_submitted", treeStatus: {}, accepted: acceptedByCl, lagBehindLatest };
        }
        throw error;
      }
    }),
  );
}

function sortedByLifecycle(
  counts: Partial<Record<TaskStatusName, number>>,
): Partial<Record<TaskStatusName, number>> {
  return Object.fromEntries(TASK_STATUSES.filter((s) => counts[s] !== undefined).map((s) => [s, counts[s]]));
}
