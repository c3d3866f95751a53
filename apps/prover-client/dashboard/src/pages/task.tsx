import { useRef } from "preact/hooks";
import { describeContext, formatDuration, formatTime } from "../format.js";
import { DependencyGraph } from "../graph.js";
import { useLiveQuery } from "../live.js";
import { call, mutate } from "../rpc.js";
import { NOT_CANCELLABLE, RETRYABLE, type TaskAttempt, type TaskGraph, type TaskRecord } from "../types.js";
import { ActionButton, Loading, Problem, Section, StatusBadge } from "../ui.js";

type TaskWithHistory = TaskRecord & { readonly attempts?: readonly TaskAttempt[] };

/** Saves the receipt as `<task key>.receipt.json`, the JSON `paas_getProof` answers. */
async function downloadReceipt(id: string): Promise<string> {
  const receipt = await call<unknown>("paas_getProof", [id]);
  const url = URL.createObjectURL(new Blob([JSON.stringify(receipt, null, 2)], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `${id}.receipt.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return "downloaded";
}

export function TaskPage({ id }: { readonly id: string }) {
  // A transition of this task or of anything it depends on redraws the graph.
  const inGraph = useRef<ReadonlySet<string>>(new Set([id]));
  const graph = useLiveQuery<TaskGraph>(
    () => call<TaskGraph>("paas_getTaskGraph", [id]),
    [id],
    (event) => inGraph.current.has(event.id),
  );
  inGraph.current = new Set(graph.data?.nodes.map((n) => n.id) ?? [id]);
  const task = useLiveQuery(
    () => call<TaskWithHistory>("paas_getTaskStatus", [id]),
    [id],
    (e) => e.id === id,
  );
  if (!task.data) return task.error ? <Problem error={task.error} /> : <Loading />;
  const t = task.data;
  // A wait for the chain (a block or checkpoint not produced yet) is no failure: it uses up no
  // retry, and shown as an error, a task waiting for the next epoch looked broken.
  const waiting = t.waiting === true;
  const act = async (method: string, done: string) => {
    await mutate(method, [id]);
    // The button stays busy until the page shows the task's new status: re-enabled over the old
    // one, a second click would ask again and be refused ("task … is queued").
    await Promise.all([task.reload(), graph.reload()]);
    return done;
  };
  return (
    <>
      <h2>
        {t.kind} {describeContext(t.taskId.context)}
      </h2>
      {/* A refetch that failed: what follows is what was last fetched, and may be out of date. */}
      <Problem error={task.error} />
      <dl class="facts">
        <dt>status</dt>
        <dd data-testid="task-status">
          <StatusBadge status={t.status} />
          {t.phase && <span class="muted"> in {t.phase}</span>}
          {waiting && <span class="muted">, waiting for the chain</span>}
        </dd>
        <dt>task key</dt>
        <dd class="mono">{t.id}</dd>
        <dt>backend</dt>
        <dd>{t.backend}</dd>
        <dt>retries</dt>
        <dd>{t.retryCount}</dd>
        {t.nextAttemptAt !== undefined && (
          <>
            <dt>next attempt</dt>
            <dd>{formatTime(t.nextAttemptAt)}</dd>
          </>
        )}
        {t.heldBy && (
          <>
            <dt>held by</dt>
            <dd class="mono">
              {t.heldBy.instance} since {formatTime(t.heldBy.since)}
            </dd>
          </>
        )}
        <dt>created</dt>
        <dd>{formatTime(t.createdAt)}</dd>
        <dt>last change</dt>
        <dd>{formatTime(t.updatedAt)}</dd>
        {t.error && (
          <>
            <dt>{waiting ? "waiting for" : "error"}</dt>
            <dd class={waiting ? undefined : "problem"}>{t.error}</dd>
          </>
        )}
      </dl>
      <div class="buttons">
        {RETRYABLE.includes(t.status) && (
          <ActionButton label="Retry" run={() => act("paas_retryTask", "retried")} />
        )}
        {!NOT_CANCELLABLE.includes(t.status) && (
          <ActionButton
            label="Cancel"
            kind="danger"
            confirm="Cancel this task?"
            run={() => act("paas_cancelTask", "cancelled")}
          />
        )}
        {t.status === "completed" && (
          <ActionButton label="Download receipt" run={() => downloadReceipt(id)} />
        )}
      </div>

      <Section title="Dependencies">
        <Problem error={graph.error} />
        {graph.data ? (
          graph.data.nodes.length > 1 ? (
            <div class="graph-box">
              <DependencyGraph graph={graph.data} />
            </div>
          ) : (
            <p class="muted">This task depends on no other task.</p>
          )
        ) : (
          <Loading />
        )}
      </Section>

      <Section title="Attempts">
        {(t.attempts ?? []).length === 0 ? (
          <p class="muted">No attempt finished yet.</p>
        ) : (
          <table class="attempts">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>phase</th>
                <th>instance</th>
                <th>started</th>
                <th class="num">took</th>
                <th>outcome</th>
                <th>error</th>
              </tr>
            </thead>
            <tbody>
              {(t.attempts ?? []).map((a) => (
                <tr key={`${a.attempt}-${a.phase}-${a.startedAt}`}>
                  <td class="num">{a.attempt}</td>
                  <td>{a.phase}</td>
                  <td class="mono">{a.instance}</td>
                  <td>{formatTime(a.startedAt)}</td>
                  <td class="num">{formatDuration(a.endedAt - a.startedAt)}</td>
                  <td>
                    <StatusBadge status={a.outcome} />
                  </td>
                  <td class="problem">{a.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
