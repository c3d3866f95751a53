/**
 * The program the example proves. Program modules stay free of other side effects: the server's
 * proving workers import this file to find the guest.
 */
import { decodeCommitted, defineProgram } from "@paas/zkvm/program";

/** Counts the words of a text; commits `{ words, longest }`. */
export const wordCountProgram = defineProgram<string, { words: number; longest: string }>({
  name: "example-word-count",
  version: "1",
  module: import.meta.url,
  writeInput(text, writer) {
    writer.write(text);
  },
  guest(env) {
    const words = env.read<string>().split(/\s+/).filter(Boolean);
    const longest = words.reduce((a, b) => (b.length > a.length ? b : a), "");
    env.commit({ words: words.length, longest });
  },
  readOutput: (publicValues) => decodeCommitted<{ words: number; longest: string }>(publicValues),
});
