/** A stand-in checkpoint program for the example: it commits its input bytes as its public values. */
import { defineProgram } from "@paas/zkvm/program";

export const commitBytesProgram = defineProgram<Uint8Array, Uint8Array>({
  name: "devchain-example-commit-bytes",
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
