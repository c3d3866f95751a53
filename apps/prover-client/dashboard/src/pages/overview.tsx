import { formatAge, formatCount, formatDuration } from "../format.js";
import { useNow, useOverview } from "../live.js";
import { href } from "../router.js";
import { type Overview, TASK_STATUSES, type TaskStatus } from "../types.js";
import { Loading, Problem, Section } from "../ui.js";
import { CheckpointTable } from "./checkpoints.js";

export function OverviewPage() {
  const { data, error } = useOverview<Overview>();
  // Instances' heartbeat ages count on between overviews (a hook: before the early return).
  const now = useNow();
  if (!data) return error ? <Problem error={error} /> : <Loading />;
  const kinds = Object.keys(data.tasks.byKind).sort();
  const count = (kind: string, status: TaskStatus) => data.tasks.byKind[kind]?.[status] ?? 0;
  const lastAccepted = lastAcceptedCheckpoint(data);
  return (
    <>
      <Problem error={error} />
      {data.attention.map(({ kind, message }) => (
        <p key={kind} class="attention" role="alert" data-testid="attention">
          {kind}: {message}
        </p>
      ))}
      <div class="cards">
        <div class="card">
          <div class="card-value" data-testid="throughput">
            {data.throughputPerMinute}
          </div>
          {/* Counted from this instance's transitions: with others on the database, not the cluster's. */}
          <div class="card-label">tasks completed on this instance in the last minute</div>
        </div>
        <div class="card">
          <div class="card-value" data-testid="queue-depth">
            {formatCount(data.queueDepth)}
          </div>
          <div class="card-label">waiting for a proving slot</div>
        </div>
        <div class="card">
          <div class="card-value">{formatCount(data.tasks.total)}</div>
          <div class="card-label">tasks</div>
        </div>
        <div class="card">
          <div class="card-value" data-testid="last-accepted">
            {lastAccepted ?? "—"}
          </div>
          <div class="card-label">checkpoints accepted, every one up to</div>
        </div>
        <div class="card">
          <div class="card-value">{data.cl?.latestCheckpoint ?? "—"}</div>
          <div class="card-label">the CL's latest checkpoint</div>
        </div>
      </div>

      <Section title="Tasks by kind and status">
        <table class="counts">
          <thead>
            <tr>
              <th>status</th>
              {kinds.map((kind) => (
                <th key={kind} class="num">
                  {kind}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {TASK_STATUSES.flatMap((status) => [
              <tr key={status}>
                <th class={`status-text-${status}`}>{status}</th>
                {kinds.map((kind) => (
                  <CountCell key={kind} n={count(kind, status)} kind={kind} status={status} />
                ))}
              </tr>,
              // A part of the failures' count, said under it: counted as failures alone, checkpoints
              // waiting for their epoch read as failing. Listed with the failures, each marked.
              ...(status === "transient_failure"
                ? [
                    <tr key="waiting" data-testid="waiting">
                      <th class="part">waiting for the chain</th>
                      {kinds.map((kind) => (
                        <CountCell
                          key={kind}
                          n={data.tasks.waitingByKind[kind] ?? 0}
                          kind={kind}
                          status={status}
                        />
                      ))}
                    </tr>,
                  ]
                : []),
            ])}
          </tbody>
        </table>
      </Section>

      <Section title="Proving time (this instance's last proofs)">
        {Object.keys(data.provingDurations).length === 0 ? (
          <p class="muted">Nothing proven since this instance started.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>kind</th>
                <th class="num">proofs</th>
                <th class="num">median</th>
                <th class="num">95th percentile</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(data.provingDurations)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([kind, stats]) => (
                  <tr key={kind}>
                    <td>{kind}</td>
                    <td class="num">{formatCount(stats.samples)}</td>
                    <td class="num">{formatDuration(stats.p50Ms)}</td>
                    <td class="num">{formatDuration(stats.p95Ms)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Section>

      {data.instances.length > 1 && (
        <Section title="Instances">
          <table>
            <thead>
              <tr>
                <th>instance</th>
                <th>host</th>
                <th>role</th>
                <th class="num">tasks held</th>
                <th>started</th>
                <th>last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {data.instances.map((i) => (
                // The page's "on this instance" figures are this row's.
                <tr key={i.id} aria-current={i.id === data.self ? "true" : undefined}>
                  <td class="mono">
                    {i.id}
                    {i.id === data.self && <span class="muted"> (this instance)</span>}
                  </td>
                  <td>
                    {i.host} (pid {i.pid})
                  </td>
                  <td>{i.role}</td>
                  <td class="num">{i.tasksHeld}</td>
                  <td>{formatAge(i.startedAt, now)}</td>
                  <td>{formatAge(i.heartbeatAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}

      <Section title="Latest checkpoints">
        <CheckpointTable rows={data.checkpoints.slice(0, 5)} />
        <p>
          <a href={href("/checkpoints")}>All checkpoints</a>
        </p>
      </Section>
    </>
  );
}

/** A count of the table, linked to the list of its kind and status unless none. */
function CountCell({
  n,
  kind,
  status,
}: {
  readonly n: number;
  readonly kind: string;
  readonly status: TaskStatus;
}) {
  return (
    <td class="num">
      {n > 0 ? <a href={href("/tasks", { kind, status })}>{formatCount(n)}</a> : <span class="muted">0</span>}
    </td>
  );
}

/**
 * The CL accepted every checkpoint below its next unproven one (all of them when none is
 * unproven): the unbroken run, which later acceptances past a gap do not move. A gap waiting for
 * an operator is named above the cards (`attention`).
 */
function lastAcceptedCheckpoint(overview: Overview): number | undefined {
  const cl = overview.cl;
  if (!cl || cl.latestCheckpoint === null) return undefined;
  const last = cl.nextUnproven === null ? cl.latestCheckpoint : cl.nextUnproven - 1;
  return last >= 0 ? last : undefined;
}
