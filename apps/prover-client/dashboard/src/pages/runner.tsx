/**
 * The checkpoint runner as the checkpoint plugin's report tells it: where it runs, and the
 * checkpoints it passed over. With the runner on another instance of the cluster ("elsewhere"),
 * this instance knows neither its error count (null, not 0) nor how often it resubmitted a stuck
 * checkpoint (absent): those read as unknown here, never as numbers.
 */
import { formatTime } from "../format.js";
import { useLiveQuery } from "../live.js";
import { call } from "../rpc.js";
import type { CheckpointRunnerReport } from "../types.js";
import { Problem, StatusBadge } from "../ui.js";

const WHERE: Readonly<Record<CheckpointRunnerReport["runner"], string>> = {
  on: "runs on this instance",
  elsewhere: "runs on another instance of the cluster (the one elected for its once-per-cluster services)",
  off: "is off on this instance (plugin_settings.checkpoint.runner = false): nothing here submits checkpoints",
};

export function CheckpointRunner() {
  const report = useLiveQuery(
    () => call<{ plugins?: { checkpoint?: CheckpointRunnerReport } }>("paas_getReport"),
    [],
    (event) => event.kind === "checkpoint",
    // `paas_getReport` reads every plugin's report: with another instance at work, the counts
    // change every second, and what the runner reports changes far more slowly.
    5_000,
  );
  const facts = report.data?.plugins?.checkpoint;
  if (!facts) return <Problem error={report.error} />;
  return (
    <section aria-label="checkpoint runner">
      <Problem error={report.error} />
      <p data-testid="runner">
        The checkpoint runner {WHERE[facts.runner]}.{" "}
        {facts.runnerErrors === null
          ? "Its failed ticks are counted on its own instance."
          : `Failed ticks: ${facts.runnerErrors}.`}
      </p>
      {facts.outage && (
        // The error count alone did not tell a CL down for a minute from one down for a day.
        <p class="problem" data-testid="runner-outage">
          Its ticks have failed since {formatTime(Date.parse(facts.outage.since))} ({facts.outage.failedTicks}{" "}
          in a row); next try at {formatTime(Date.parse(facts.outage.nextTryAt))}: {facts.lastError}
        </p>
      )}
      {facts.stuck.length > 0 && (
        <table class="stuck">
          <caption>Checkpoints the runner passed over</caption>
          <thead>
            <tr>
              <th class="num">index</th>
              <th>status</th>
              <th class="num">resubmissions</th>
              <th>next resubmission</th>
              <th>error</th>
            </tr>
          </thead>
          <tbody>
            {facts.stuck.map((s) => (
              <tr key={s.index} data-stuck={s.index}>
                <td class="num">{s.index}</td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td class="num">{s.retries ?? <span class="muted">unknown here</span>}</td>
                <td>
                  {s.retryAt !== undefined ? (
                    formatTime(Date.parse(s.retryAt))
                  ) : facts.runner === "elsewhere" ? (
                    // Read from the task database here, without the runner's schedule.
                    <span class="muted">unknown here</span>
                  ) : (
                    <span class="muted">none: waits for an operator</span>
                  )}
                </td>
                <td class="problem">{s.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
