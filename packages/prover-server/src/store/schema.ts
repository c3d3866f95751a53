import type { Generated } from "kysely";

export const JOB_STATES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States in which a job is still the one for its request id (a second start returns it). */
export const LIVE_STATES: readonly JobState[] = ["queued", "running", "succeeded"];

/** States a job never leaves: what the retention sweep may delete once they are old enough. */
export const FINISHED_STATES: readonly JobState[] = ["succeeded", "failed", "cancelled"];

export interface JobTable {
  /** Queue order: jobs run oldest first. */
  seq: Generated<number>;
  /** The job id clients see: random, url-safe. */
  id: string;
  request_id: string;
  /** 64 lower-case hex digits. */
  program_id: string;
  program_name: string;
  program_version: string;
  /** The framed guest input; dropped once the job has ended. */
  input: Uint8Array | null;
  state: JobState;
  error: string | null;
  /** 0 or 1 when the job failed, otherwise null. */
  retryable: number | null;
  /** The receipt in the zkVM binary encoding, once succeeded. */
  receipt: Uint8Array | null;
  /** Proofs started for this job: 1 normally, one more for each restart that interrupted one. */
  attempts: number;
  created_at: number;
  updated_at: number;
}

/**
 * What clients hold: one row per start of a job (a client joining live work for the same request
 * gets its own), so one client's cancel withdraws its own interest, not the others'.
 */
export interface JobHandleTable {
  /** The job id the client sees: random, url-safe; the first handle of a job has the job's id. */
  id: string;
  job_id: string;
  /** 1 once its client cancelled it: the handle reads cancelled whatever the proof does. */
  withdrawn: Generated<number>;
}

export interface JobDatabase {
  jobs: JobTable;
  job_handles: JobHandleTable;
}
