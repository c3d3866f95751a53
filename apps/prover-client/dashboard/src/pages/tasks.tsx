import { useState } from "preact/hooks";
import { describeContext, formatAge } from "../format.js";
import { useLiveQuery, useNow } from "../live.js";
import { navigate, type Route } from "../router.js";
import { call, mutate } from "../rpc.js";
import { type BulkResult, TASK_STATUSES, type TaskFilter, type TaskPage, type TaskStatus } from "../types.js";
import { ActionButton, Loading, Problem, StatusBadge, TaskLink } from "../ui.js";

const PAGE_SIZES = [20, 50, 200];
const DEFAULT_PAGE_SIZE = 50;

/** `limit` from the route: what the server accepts (1..1000), else the default. */
function pageSize(query: URLSearchParams): number {
  const limit = Number(query.get("limit"));
  return Number.isInteger(limit) && limit >= 1 && limit <= 1000 ? limit : DEFAULT_PAGE_SIZE;
}

interface Report {
  readonly kinds: readonly string[];
  readonly backends: readonly string[];
}

function FilterSelect(props: {
  readonly name: string;
  readonly value: string | undefined;
  readonly options: readonly string[];
  readonly onChange: (value: string | undefined) => void;
}) {
  // The route's value is an option even when the server does not list it (a kind only another
  // instance of the cluster proves, linked from the overview's counts): without one, the select
  // reads blank over a list it narrows.
  const options =
    props.value === undefined || props.options.includes(props.value)
      ? props.options
      : [...props.options, props.value];
  return (
    <label>
      {props.name}{" "}
      <select
        name={props.name}
        value={props.value ?? ""}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value || undefined)}
      >
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function TasksPage({ route }: { readonly route: Route }) {
  const filter: TaskFilter = {
    kind: route.query.get("kind") ?? undefined,
    status: (route.query.get("status") as TaskStatus | null) ?? undefined,
    backend: route.query.get("backend") ?? undefined,
  };
  const limit = pageSize(route.query);
  const setFilter = (change: Partial<TaskFilter & { limit: string }>) =>
    navigate("/tasks", {
      ...filter,
      ...(limit !== DEFAULT_PAGE_SIZE && { limit: String(limit) }),
      ...change,
    });
  // Cursors of the pages before this one, so "previous" works with the server's forward-only cursors.
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const filterKey = JSON.stringify({ ...filter, limit });
  const [pagedFor, setPagedFor] = useState(filterKey);
  if (pagedFor !== filterKey) {
    setPagedFor(filterKey);
    setCursors([undefined]);
  }
  const cursor = cursors[cursors.length - 1];
  // The filter options: fetched once (and on a reconnection). They do not change with the cluster's
  // counts, and `paas_getReport` reads every plugin's report: a refetch at each count change asked
  // for all of it twice a second while another instance worked.
  const report = useLiveQuery(
    () => call<Report>("paas_getReport"),
    [],
    () => false,
    500,
    false,
  );
  const page = useLiveQuery(
    () => call<TaskPage>("paas_listTasks", [{ ...filter, limit, ...(cursor && { cursor }) }]),
    [filterKey, cursor],
    // A transition can move any task into or out of this filter.
    () => true,
    1000,
  );
  const scope = [
    filter.kind && `kind ${filter.kind}`,
    filter.status && `status ${filter.status}`,
    filter.backend && `backend ${filter.backend}`,
  ]
    .filter(Boolean)
    .join(", ");
  const bulk = async (method: string, verb: string) => {
    // The server refuses an empty filter (a slip would take every task): no filter says so on purpose.
    const result = await mutate<BulkResult>(method, [scope ? filter : { olderThanMs: 0 }]);
    page.reload();
    return `${verb} ${result.changed} of ${result.matched} matching tasks`;
  };
  const now = useNow();
  return (
    <>
      <h2>Tasks</h2>
      <form class="filters" aria-label="filters" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect
          name="kind"
          value={filter.kind}
          options={report.data?.kinds ?? []}
          onChange={(kind) => setFilter({ kind })}
        />
        <FilterSelect
          name="status"
          value={filter.status}
          options={TASK_STATUSES}
          onChange={(status) => setFilter({ status: status as TaskStatus | undefined })}
        />
        <FilterSelect
          name="backend"
          value={filter.backend}
          options={report.data?.backends ?? []}
          onChange={(backend) => setFilter({ backend })}
        />
      </form>
      <div class="bulk">
        <ActionButton
          label="Retry matching"
          confirm={`Retry every failed or cancelled task${scope ? ` with ${scope}` : ", of every kind"}?`}
          run={() => bulk("paas_retryTasks", "retried")}
        />
        <ActionButton
          label="Cancel matching"
          kind="danger"
          confirm={`Cancel every unfinished task${scope ? ` with ${scope}` : ", of every kind"}?`}
          run={() => bulk("paas_cancelTasks", "cancelled")}
        />
      </div>
      <Problem error={page.error ?? report.error} />
      {!page.data ? (
        <Loading />
      ) : page.data.tasks.length === 0 ? (
        <p class="muted">No task matches.</p>
      ) : (
        <table class="tasks">
          <thead>
            <tr>
              <th>task</th>
              <th>kind</th>
              <th>context</th>
              <th>backend</th>
              <th>status</th>
              <th class="num">retries</th>
              <th>last change</th>
            </tr>
          </thead>
          <tbody>
            {page.data.tasks.map((task) => (
              <tr key={task.id} data-task={task.id}>
                <td>
                  <TaskLink id={task.id} />
                </td>
                <td>{task.kind}</td>
                <td>{describeContext(task.taskId.context)}</td>
                <td>{task.backend}</td>
                <td>
                  <StatusBadge status={task.status} />
                  {/* Listed as a failure, a task waiting for the next epoch looked broken. */}
                  {task.waiting && <span class="muted"> waiting for the chain</span>}
                </td>
                <td class="num">{task.retryCount}</td>
                <td>{formatAge(task.updatedAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <span class="muted">page {cursors.length}</span>
        <label>
          per page{" "}
          <select
            name="limit"
            value={String(limit)}
            onChange={(e) => setFilter({ limit: (e.target as HTMLSelectElement).value })}
          >
            {[...new Set([...PAGE_SIZES, limit])]
              .sort((a, b) => a - b)
              .map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
          </select>
        </label>
        <button
          type="button"
          disabled={!page.data?.nextCursor}
          onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
        >
          Next
        </button>
      </div>
    </>
  );
}
