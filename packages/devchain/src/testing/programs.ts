/**
 * Programs for tests and examples that prove with a real `NativeHost`. A proving worker imports this
 * module to find the guests, so it imports nothing but `@paas/zkvm/program`.
 */
import { defineProgram } from "@paas/zkvm/program";

/** A program whose guest commits its input bytes as its public values. */
function commitBytes(name: string) {
  return defineProgram<Uint8Array, Uint8Array>({
    name,
    version: "1",
    module: import.meta.url,
    writeInput(bytes, writer) {
      writer.writeBytes(bytes);
    },
    guest(env) {
      env.commitBytes(env.readBytes());
    },
    readOutput: (publicValues) => publicValues,
  });
}

/** Stands in for the checkpoint program: commits its input bytes (e.g. an SSZ `BatchTransition`) as its public values. */
export const commitBytesProgram = commitBytes("devchain-testing-commit-bytes");

/** The same guest under another name: its receipts are of the wrong program. */
export const otherProgram = commitBytes("devchain-testing-other-program");
