import { type NestedUint8Array, RLP } from "@ethereumjs/rlp";
import { keccak256 } from "../crypto.js";
import { describeError, EvmError } from "../errors.js";

/** What a block's RLP says about the block, read without building @ethereumjs objects. */
export interface BlockRlpSummary {
  /** The header's `number`. */
  readonly number: bigint;
  /** keccak-256 of the header's RLP, exactly as the block carries it. */
  readonly hash: Uint8Array;
  readonly parentHash: Uint8Array;
  /**
   * Per transaction, in block order, the chain id it is signed for: a typed transaction's
   * `chainId` (the first field of its payload), a legacy transaction's derived from `v` per
   * EIP-155 (`(v - 35) / 2`), and `undefined` for a legacy transaction signed without replay
   * protection (`v` = 27 or 28), which is valid on any chain.
   */
  readonly transactionChainIds: readonly (bigint | undefined)[];
}

/** A header's fields up to the proof-of-work nonce: every fork has at least these. */
const MIN_HEADER_FIELDS = 15;
const PARENT_HASH = 0;
const NUMBER = 8;
/** nonce, gasPrice, gasLimit, to, value, data, v, r, s. */
const LEGACY_FIELDS = 9;
const LEGACY_V = 6;

/**
 * Reads a block's number, hash, parent hash and transactions' chain ids from its RLP (e.g.
 * `debug_getRawBlock`'s answer): one RLP decoding and one keccak-256 of the header's bytes, no
 * @ethereumjs block or transaction objects (building those costs about a millisecond per
 * transaction). Pure and synchronous.
 *
 * It checks the structure it reads, not the block's validity: the RLP must decode (canonical, no
 * trailing bytes) to a list whose first item is a header of at least 15 fields with a 32-byte
 * parent hash and a canonical number, whose second item is a list of transactions, each a legacy
 * list of 9 fields with an EIP-155 or 27/28 `v`, or a typed envelope (type byte 0x01–0x7f)
 * around a list whose first field is a canonical chain id. Anything else is an `INVALID_BLOCK`
 * `EvmError` whose message starts with `label` (e.g. "block 7"; default "raw block").
 * Signatures, roots, other header fields and ommers are left to execution.
 */
export function inspectBlockRlp(rlp: Uint8Array, options: { label?: string } = {}): BlockRlpSummary {
  const label = options.label ?? "raw block";
  let blockNumber: bigint | undefined;
  const fail = (detail: string, cause?: unknown) =>
    new EvmError("INVALID_BLOCK", `${label}: ${detail}`, { blockNumber, cause });

  let decoded: Uint8Array | NestedUint8Array;
  try {
    decoded = RLP.decode(rlp);
  } catch (error) {
    throw fail(`block RLP does not decode: ${describeError(error)}`, error);
  }
  if (!Array.isArray(decoded) || decoded.length < 3) {
    throw fail("block RLP is not a list of header, transactions and ommers");
  }
  const [header, transactions] = decoded;
  if (!Array.isArray(header) || header.length < MIN_HEADER_FIELDS) {
    throw fail(`block header is not a list of at least ${MIN_HEADER_FIELDS} fields`);
  }
  const parentHash = header[PARENT_HASH];
  if (!(parentHash instanceof Uint8Array) || parentHash.length !== 32) {
    throw fail("block header's parent hash is not 32 bytes");
  }
  const number = unsigned(header[NUMBER], "block header's number", fail);
  blockNumber = number;
  if (!Array.isArray(transactions)) throw fail("block's transactions are not a list");

  const transactionChainIds = transactions.map((tx, index) =>
    Array.isArray(tx) ? legacyChainId(tx, `transaction ${index}`, fail) : typedChainId(tx, index, fail),
  );
  return { number, hash: keccak256(headerBytes(rlp)), parentHash, transactionChainIds };
}

type Fail = (detail: string, cause?: unknown) => EvmError;

function legacyChainId(tx: NestedUint8Array, what: string, fail: Fail): bigint | undefined {
  if (tx.length !== LEGACY_FIELDS) {
    throw fail(`${what}: a legacy transaction has ${LEGACY_FIELDS} fields, not ${tx.length}`);
  }
  const v = unsigned(tx[LEGACY_V], `${what}: v`, fail);
  if (v === 27n || v === 28n) return undefined;
  if (v >= 35n) return (v - 35n) / 2n;
  throw fail(`${what}: v = ${v} is neither 27/28 nor EIP-155's chain id * 2 + 35/36`);
}

function typedChainId(tx: Uint8Array, index: number, fail: Fail): bigint {
  const what = `transaction ${index}`;
  const type = tx[0];
  if (type === undefined || type === 0 || type >= 0x80) {
    throw fail(`${what} is neither a legacy list nor a typed envelope (type 0x01–0x7f)`);
  }
  let payload: Uint8Array | NestedUint8Array;
  try {
    payload = RLP.decode(tx.subarray(1));
  } catch (error) {
    throw fail(`${what} (type ${type}): payload RLP does not decode: ${describeError(error)}`, error);
  }
  if (!Array.isArray(payload) || payload.length === 0) {
    throw fail(`${what} (type ${type}): payload is not a list starting with a chain id`);
  }
  return unsigned(payload[0], `${what} (type ${type}): chain id`, fail);
}

/** A canonical RLP integer (no leading zero bytes, at most 32 bytes). */
function unsigned(item: Uint8Array | NestedUint8Array | undefined, what: string, fail: Fail): bigint {
  if (!(item instanceof Uint8Array)) throw fail(`${what} is not a byte string`);
  if (item.length > 32) throw fail(`${what} has ${item.length} bytes, more than 32`);
  if (item[0] === 0) throw fail(`${what} has leading zero bytes`);
  return item.length === 0 ? 0n : BigInt(`0x${Buffer.from(item).toString("hex")}`);
}

/**
 * The header's own bytes inside the block's RLP (the first item of the outer list): what the
 * block hash is the keccak of. Called after the whole block decoded, so the prefixes are sound;
 * the decoder accepts canonical encodings only, so these bytes are the header's one encoding.
 */
function headerBytes(rlp: Uint8Array): Uint8Array {
  const outer = extent(rlp, 0);
  return rlp.subarray(outer.payload, extent(rlp, outer.payload).end);
}

/** Where the RLP item at `offset` has its payload and where it ends. */
function extent(bytes: Uint8Array, offset: number): { payload: number; end: number } {
  const prefix = bytes[offset]!;
  if (prefix < 0x80) return { payload: offset, end: offset + 1 };
  if (prefix <= 0xb7) return { payload: offset + 1, end: offset + 1 + prefix - 0x80 };
  if (prefix <= 0xbf) return long(bytes, offset, prefix - 0xb7);
  if (prefix <= 0xf7) return { payload: offset + 1, end: offset + 1 + prefix - 0xc0 };
  return long(bytes, offset, prefix - 0xf7);
}

function long(bytes: Uint8Array, offset: number, lengthOfLength: number): { payload: number; end: number } {
  let length = 0;
  for (let i = 1; i <= lengthOfLength; i++) length = length * 256 + bytes[offset + i]!;
  const payload = offset + 1 + lengthOfLength;
  return { payload, end: payload + length };
}
