import { useOverview } from "../live.js";
import type { CheckpointRow, Overview } from "../types.js";
import { Loading, Problem, StatusBadge, TaskLink } from "../ui.js";
import { CheckpointRunner } from "./runner.js";

export function CheckpointTable({ rows }: { readonly rows: readonly CheckpointRow[] }) {
  if (rows.length === 0) return <p class="muted">No checkpoint yet (or the CL has not been heard from).</p>;
  return (
    <table class="checkpoints">
      <thead>
        <tr>
          <th class="num">index</th>
          <th>task</th>
          <th>proof</th>
          <th>dependency tree</th>
          <th>accepted by the CL</th>
          <th class="num">behind the CL's latest</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.index} data-checkpoint={row.index}>
            <td class="num">{row.index}</td>
            <td>{row.id ? <TaskLink id={row.id} /> : <span class="muted">none</span>}</td>
            <td>
              <StatusBadge status={row.status} />
            </td>
            <td class="tree">
              {Object.entries(row.treeStatus).map(([status, n]) => (
                <span key={status}>
                  {n} <StatusBadge status={status} />
                </span>
              ))}
            </td>
            <td class={row.accepted ? "accepted" : "muted"}>{row.accepted ? "accepted" : "no"}</td>
            <td class="num">{row.lagBehindLatest}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CheckpointsPage() {
  const { data, error } = useOverview<Overview>();
  if (!data) return error ? <Problem error={error} /> : <Loading />;
  return (
    <>
      <Problem error={error} />
      <h2>Checkpoints</h2>
      <p class="muted">
        The most recent, newest first. A checkpoint's dependency tree counts its own task and every proof it
        aggregates, by status; it is done once the CL accepted its proof.
      </p>
      <CheckpointRunner />
      <CheckpointTable rows={data.checkpoints} />
    </>
  );
}
