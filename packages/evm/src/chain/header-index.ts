import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";

/**
 * Headers stored under the hash computed from their own content, so that following a
 * `parentHash` through the index only ever reaches the header that hashes to it.
 */
export class HeaderIndex {
  private readonly byHash = new Map<string, BlockHeader>();

  add(header: BlockHeader): void {
    this.byHash.set(bytesToHex(header.hash()), header);
  }

  get(hash: Uint8Array): BlockHeader | undefined {
    return this.byHash.get(bytesToHex(hash));
  }
}
