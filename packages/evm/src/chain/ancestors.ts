import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { EvmError, MissingAncestorError } from "../errors.js";
import { validateHeaderAgainstParent } from "./validate-header.js";

/** What the ancestor walk reads of a header; a `BlockHeader` is one. */
export interface AncestorHeader {
  readonly number: bigint;
  readonly parentHash: Uint8Array;
  hash(): Uint8Array;
}

/** Headers by hash; each must be filed under the hash of its own content. */
export interface HeaderSource {
  get(hash: Uint8Array): AncestorHeader | undefined;
}

/**
 * The "blockchain" one block executes against, in the shape `@ethereumjs/vm` calls: header
 * validation against the known parent, and ancestors for BLOCKHASH, found by walking parent
 * hashes back from that parent. An ancestor the index cannot reach is an error: the library's
 * default blockchain would answer a zero hash instead.
 */
export class AncestorChain {
  private readonly walked: AncestorHeader[];

  constructor(
    private readonly index: HeaderSource,
    private readonly parent: BlockHeader,
    /** Told of every ancestor number BLOCKHASH asks for (the witness recorder keeps them). */
    private readonly onLookup?: (ancestorNumber: bigint) => void,
  ) {
    this.walked = [parent];
  }

  async getBlock(blockId: number): Promise<{ hash(): Uint8Array }> {
    const ancestorNumber = BigInt(blockId);
    this.onLookup?.(ancestorNumber);
    return this.ancestor(ancestorNumber);
  }

  ancestor(ancestorNumber: bigint): AncestorHeader {
    let oldest = this.walked[this.walked.length - 1] ?? this.parent;
    while (oldest.number > ancestorNumber) {
      const next = this.index.get(oldest.parentHash);
      if (next === undefined) break;
      if (next.number !== oldest.number - 1n) {
        throw new EvmError(
          "INVALID_WITNESS",
          `block ${this.parent.number + 1n}: ancestor header ${bytesToHex(oldest.parentHash)} has number ${next.number}, expected ${oldest.number - 1n}`,
          { blockNumber: this.parent.number + 1n },
        );
      }
      this.walked.push(next);
      oldest = next;
    }
    const found = this.walked[Number(this.parent.number - ancestorNumber)];
    if (ancestorNumber > this.parent.number || found === undefined) {
      throw new MissingAncestorError(ancestorNumber, this.parent.number + 1n);
    }
    return found;
  }

  async validateHeader(header: BlockHeader): Promise<void> {
    validateHeaderAgainstParent(header, this.parent);
  }

  /** The VM never stores blocks while running one; nothing to keep. */
  async putBlock(): Promise<void> {}

  shallowCopy(): AncestorChain {
    return this;
  }
}
