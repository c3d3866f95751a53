import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { messageOf } from "../errors.js";

/**
 * The kernel's id of the calling thread (a worker thread's own, not the process's): on Linux,
 * `/proc/thread-self` links to `<pid>/task/<tid>`. Undefined elsewhere.
 */
export function currentThreadId(): string | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    return readlinkSync("/proc/thread-self").split("/").pop();
  } catch {
    return undefined;
  }
}

/**
 * Puts one thread under Linux's `SCHED_IDLE` policy; threads it starts afterwards inherit it. Such
 * a thread runs only when no thread of the normal policy wants the CPU, and one that wakes takes
 * the CPU from it at once. At a nice value alone, a waking main thread could wait out the rest of
 * a proving worker's time slice, and an RPC answer with it. Node has no call for a thread's
 * policy, so util-linux's `chrt` sets it by the thread's id (lowering one's own policy needs no
 * privilege). Returns why it could not, or undefined once set.
 */
export function setIdleScheduling(threadId: string | undefined): string | undefined {
  if (threadId === undefined) return "the thread's id is known only on Linux";
  try {
    execFileSync("chrt", ["--idle", "--pid", "0", threadId], { stdio: "ignore", timeout: 5_000 });
    return undefined;
  } catch (error) {
    return `chrt --idle failed: ${messageOf(error)}`;
  }
}
