import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex, equalsBytes } from "@ethereumjs/util";
import { keccak256 } from "../crypto.js";

interface Encoded {
  readonly rlp: Uint8Array;
  readonly decode: (rlp: Uint8Array) => BlockHeader;
}

/**
 * Headers stored under the hash computed from their own content, so that following a
 * `parentHash` through the index only ever reaches the header that hashes to it.
 *
 * Witness headers are kept encoded, under the keccak-256 of their RLP, and decoded only when a
 * lookup first reaches one: a decoded header holds its own copy of the chain's `Common` (~16 KB),
 * so decoding every header a witness lists (up to the limit, duplicates included) let a few MB of
 * headers per block take GBs over a range. Only the parent and the ancestors BLOCKHASH reads are
 * ever decoded.
 */
export class HeaderIndex {
  private readonly byHash = new Map<string, BlockHeader>();
  private readonly encoded = new Map<string, Encoded>();

  add(header: BlockHeader): void {
    const key = bytesToHex(header.hash());
    this.byHash.set(key, header);
    this.encoded.delete(key);
  }

  /** A header as RLP, to be decoded by `decode` (which throws on a header that does not decode) when first reached. */
  addEncoded(rlp: Uint8Array, decode: (rlp: Uint8Array) => BlockHeader): void {
    const key = bytesToHex(keccak256(rlp));
    if (!this.byHash.has(key) && !this.encoded.has(key)) this.encoded.set(key, { rlp, decode });
  }

  get(hash: Uint8Array): BlockHeader | undefined {
    const key = bytesToHex(hash);
    const found = this.byHash.get(key);
    if (found !== undefined) return found;
    const pending = this.encoded.get(key);
    if (pending === undefined) return undefined;
    this.encoded.delete(key);
    const header = pending.decode(pending.rlp);
    // The RLP hashes to `hash`; a header decoded from it that hashes otherwise was not canonically encoded.
    if (!equalsBytes(header.hash(), hash)) return undefined;
    this.byHash.set(key, header);
    return header;
  }
}
