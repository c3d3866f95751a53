import { formatAge, formatDuration } from "../format.js";
import { useOverview } from "../live.js";
import { href } from "../router.js";
import { type Overview, TASK_STATUSES } from "../types.js";
import { Loading, Problem, Section } from "../ui.js";
import { CheckpointTable } from "./checkpoints.js";

export function OverviewPage() {
  const { data, error } = useOverview<Overview>();
  if (!data) return error ? <Problem error={error} /> : <Loading />;
  const kinds = [...new Set(data.tasks.map((t) => t.kind))].sort();
  const count = (kind: string, status: string) =>
    data.tasks.filter((t) => t.kind === kind && t.status === status).reduce((sum, t) => sum + t.count, 0);
  const total = data.tasks.reduce((sum, t) => sum + t.count, 0);
  const lastAccepted = data.checkpoints.filter((c) => c.accepted).map((c) => c.index);
  const now = Date.now();
  return (
    <>
      <Problem error={error} />
      <div class="cards">
        <div class="card">
          <div class="card-value" data-testid="throughput">
            {data.throughputPerMinute.toFixed(1)}
          </div>
          <div class="card-label">proofs per minute</div>
        </div>
        <div class="card">
          <div class="card-value" data-testid="queue-depth">
            {data.queueDepth}
          </div>
          <div class="card-label">waiting for a proving slot</div>
        </div>
        <div class="card">
          <div class="card-value">{total}</div>
          <div class="card-label">tasks</div>
        </div>
        <div class="card">
          <div class="card-value" data-testid="last-accepted">
            {lastAccepted.length > 0 ? Math.max(...lastAccepted) : "—"}
          </div>
          <div class="card-label">last checkpoint accepted</div>
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
            {TASK_STATUSES.map((status) => (
              <tr key={status}>
                <th class={`status-text-${status}`}>{status}</th>
                {kinds.map((kind) => {
                  const n = count(kind, status);
                  return (
                    <td key={kind} class="num">
                      {n > 0 ? (
                        <a href={href("/tasks", { kind, status })}>{n}</a>
                      ) : (
                        <span class="muted">0</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section title="Proving time">
        <table>
          <thead>
            <tr>
              <th>kind</th>
              <th class="num">proofs</th>
              <th class="num">mean</th>
              <th class="num">median</th>
              <th class="num">95th percentile</th>
              <th class="num">longest</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(data.provingDurations)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([kind, stats]) => (
                <tr key={kind}>
                  <td>{kind}</td>
                  <td class="num">{stats.count}</td>
                  <td class="num">{formatDuration(stats.meanMs)}</td>
                  <td class="num">{formatDuration(stats.p50Ms)}</td>
                  <td class="num">{formatDuration(stats.p95Ms)}</td>
                  <td class="num">{formatDuration(stats.maxMs)}</td>
                </tr>
              ))}
          </tbody>
        </table>
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
                <tr key={i.id}>
                  <td class="mono">{i.id}</td>
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
