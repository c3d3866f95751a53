/**
 * Conformance with the Ethereum Foundation's blockchain tests, through the plugin's program and a
 * real native host: for each test, the `pre` state and genesis header go into an `ExecutionChain`
 * (full state), which imports the test's blocks and records each block's witness; the program then
 * proves the blocks from those witnesses alone on the host, and its output must reach every
 * block's `stateRoot` and the test's `lastblockhash`.
 */
import path from "node:path";
import { toHex } from "@paas/core/contracts";
import {
  type BlockchainTestFixture,
  createFixtureChain,
  type ExecutionWitness,
  listFixtureFiles,
  readFixtureFile,
} from "@paas/evm";
import type { NativeHost } from "@paas/zkvm";
import { FIXTURE_CHAIN_ID } from "./chain-id.js";
import { type EvmEeStfInput, inputFromHex } from "./input.js";
import { evmEeStfProgram } from "./program.js";

export interface ConformanceCase {
  /** The fixture file. */
  readonly file: string;
  /** The test's name inside the file. */
  readonly name: string;
  readonly fixture: BlockchainTestFixture;
}

export interface ConformanceResult {
  readonly file: string;
  readonly name: string;
  readonly passed: boolean;
  readonly blocks: number;
  readonly ms: number;
  /** Why it failed: the first check that did not hold. */
  readonly error?: string;
}

/**
 * Which witness each block gets: the one the chain `recorded` while importing it (what
 * `debug_executionWitness` serves: only what the block reads), or the `full` pre-state (every node
 * and code of the state before the block, the last 256 headers).
 */
export type WitnessKind = "recorded" | "full";

/** The fixture files under `dir` (recursively), sorted. */
export function listConformanceFiles(dir: string): string[] {
  return listFixtureFiles(dir);
}

/** The tests of one fixture file, in file order. */
export function readConformanceCases(file: string): ConformanceCase[] {
  return Object.entries(readFixtureFile(file)).map(([name, fixture]) => ({ file, name, fixture }));
}

/** The program input for a test: its blocks, each with its witness, under the fixture's rules. */
export async function conformanceInput(
  fixture: BlockchainTestFixture,
  witnessKind: WitnessKind = "recorded",
): Promise<EvmEeStfInput> {
  const chain = await createFixtureChain(fixture);
  const blocks: { rlp: (typeof fixture.blocks)[number]["rlp"]; witness: ExecutionWitness }[] = [];
  for (const block of fixture.blocks) {
    const full = witnessKind === "full" ? chain.fullWitness() : undefined;
    const imported = await chain.importBlock(block.rlp);
    blocks.push({ rlp: block.rlp, witness: full ?? imported.witness });
  }
  return inputFromHex({ kind: "fixture", network: fixture.network }, blocks);
}

/** Runs one test through `host`; never throws, a failure is in the result. */
export async function runConformanceCase(
  host: NativeHost,
  test: ConformanceCase,
  options: { witness?: WitnessKind } = {},
): Promise<ConformanceResult> {
  const started = performance.now();
  const { file, name, fixture } = test;
  const result = (error?: string): ConformanceResult => ({
    file,
    name,
    passed: error === undefined,
    blocks: fixture.blocks.length,
    ms: Math.round(performance.now() - started),
    ...(error !== undefined && { error }),
  });
  let input: EvmEeStfInput;
  try {
    input = await conformanceInput(fixture, options.witness);
  } catch (error) {
    return result(`building the witnesses failed: ${messageOf(error)}`);
  }
  try {
    const receipt = await host.prove(evmEeStfProgram, input);
    host.verify(receipt, evmEeStfProgram);
    const { chainId, blocks: output } = evmEeStfProgram.readOutput(receipt.publicValues);
    if (chainId !== FIXTURE_CHAIN_ID) {
      return result(`the proof names chain ${chainId}, the fixtures' chain is ${FIXTURE_CHAIN_ID}`);
    }
    if (output.length !== fixture.blocks.length) {
      return result(`the proof covers ${output.length} blocks, the test has ${fixture.blocks.length}`);
    }
    for (const [index, block] of fixture.blocks.entries()) {
      const expected = block.blockHeader?.stateRoot?.toLowerCase();
      const reached = toHex(output[index]!.stateRoot);
      if (expected !== undefined && reached !== expected) {
        return result(`block #${index}: the proof reached state root ${reached}, the test says ${expected}`);
      }
    }
    const last = toHex(output[output.length - 1]!.hash);
    if (last !== fixture.lastblockhash.toLowerCase()) {
      return result(`the proof ends at block ${last}, the test's lastblockhash is ${fixture.lastblockhash}`);
    }
    return result();
  } catch (error) {
    return result(messageOf(error));
  }
}

export interface ConformanceRunOptions {
  /** Proofs in flight (the host's workers). Default: the host's concurrency. */
  readonly concurrency?: number;
  readonly witness?: WitnessKind;
  /** Called with each result, in file and test order. */
  readonly onResult?: (result: ConformanceResult) => void;
}

export interface ConformanceSummary {
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly ConformanceResult[];
}

/**
 * Runs every test of `files` through `host`, `concurrency` at a time (a test's witnesses are built
 * on this thread while other tests are proven in the host's workers).
 */
export async function runConformance(
  host: NativeHost,
  files: readonly string[],
  options: ConformanceRunOptions = {},
): Promise<ConformanceSummary> {
  const concurrency = options.concurrency ?? host.concurrency;
  const results: ConformanceResult[] = [];
  const pending = new Map<number, ConformanceResult>();
  let reported = 0;
  const report = (index: number, result: ConformanceResult) => {
    pending.set(index, result);
    for (let next = pending.get(reported); next !== undefined; next = pending.get(reported)) {
      pending.delete(reported);
      results.push(next);
      options.onResult?.(next);
      reported++;
    }
  };
  let index = 0;
  const cases = (function* () {
    for (const file of files) {
      let tests: ConformanceCase[];
      try {
        tests = readConformanceCases(file);
      } catch (error) {
        yield { file, name: "(file)", fixture: undefined, error: messageOf(error) };
        continue;
      }
      for (const test of tests) yield test;
    }
  })();
  const worker = async () => {
    for (let next = cases.next(); !next.done; next = cases.next()) {
      const position = index++;
      const test = next.value;
      if ("error" in test) {
        report(position, {
          file: test.file,
          name: test.name,
          passed: false,
          blocks: 0,
          ms: 0,
          error: test.error,
        });
        continue;
      }
      report(position, await runConformanceCase(host, test, { witness: options.witness }));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const passed = results.filter((r) => r.passed).length;
  return { passed, failed: results.length - passed, results };
}

/** `file name` relative to `dir`, for one-line reports. */
export function caseLabel(result: { file: string; name: string }, dir: string): string {
  return `${path.relative(dir, result.file) || path.basename(result.file)} ${result.name}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
