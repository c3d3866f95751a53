import { decodeCommitted, defineProgram } from "@paas/zkvm/program";

/** The guest squares the number it is given and commits `{ n, square }`. */
export const squareProgram = defineProgram<{ n: number; value: number }, { n: number; square: number }>({
  name: "square",
  version: "1",
  module: import.meta.url,
  writeInput(input, writer) {
    writer.write(input.n);
    writer.write(input.value);
  },
  guest(env) {
    const n = env.read<number>();
    const value = env.read<number>();
    env.commit({ n, square: value * value });
  },
  readOutput: (publicValues) => decodeCommitted(publicValues) as { n: number; square: number },
});
