import { keccak256 } from "../crypto.js";
import { describeError, EvmError } from "../errors.js";
import { HEADER_NUMBER, HEADER_PARENT_HASH, HEADER_TIMESTAMP } from "./header-fields.js";

/** What a block's RLP says about the block, read without building @ethereumjs objects. */
export interface BlockRlpSummary {
  /** The header's `number`. */
  readonly number: bigint;
  /** The header's `timestamp`: with the number, which fork's rules the block falls under. */
  readonly timestamp: bigint;
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
/** nonce, gasPrice, gasLimit, to, value, data, v, r, s. */
const LEGACY_FIELDS = 9;
const LEGACY_V = 6;

/**
 * Reads a block's number, timestamp, hash, parent hash and transactions' chain ids from its RLP
 * (e.g. `debug_getRawBlock`'s answer): one walk over the RLP and one keccak-256 of the header's
 * bytes, no @ethereumjs block or transaction objects (building those costs about a millisecond per
 * transaction). Pure and synchronous.
 *
 * It checks the structure it reads, not the block's validity: the RLP must be canonical with no
 * trailing bytes (what @ethereumjs/rlp's `decode` accepts) and a list whose first item is a header
 * of at least 15 fields with a 32-byte parent hash and a canonical number and timestamp, whose
 * second item is a list of transactions, each a legacy list of 9 fields with an EIP-155 or 27/28
 * `v`, or a typed envelope (type byte 0x01–0x7f) around a list whose first field is a canonical
 * chain id. Anything else is an `INVALID_BLOCK` `EvmError` whose message starts with `label`
 * (e.g. "block 7"; default "raw block"). Signatures, roots, other header fields and ommers are
 * left to execution.
 */
export function inspectBlockRlp(rlp: Uint8Array, options: { label?: string } = {}): BlockRlpSummary {
  const label = options.label ?? "raw block";
  let blockNumber: bigint | undefined;
  const fail = (detail: string, cause?: unknown) =>
    new EvmError("INVALID_BLOCK", `${label}: ${detail}`, { blockNumber, cause });

  if (rlp.length === 0) throw fail("block RLP is not a list of header, transactions and ommers");
  let block: RlpItem;
  try {
    block = wholeItem(rlp, 0, rlp.length);
  } catch (error) {
    throw fail(`block RLP does not decode: ${describeError(error)}`, error);
  }
  const [header, transactions, ommers] = block.list ? children(rlp, block) : [];
  if (header === undefined || transactions === undefined || ommers === undefined) {
    throw fail("block RLP is not a list of header, transactions and ommers");
  }
  const headerFields = header.list ? children(rlp, header) : [];
  if (headerFields.length < MIN_HEADER_FIELDS) {
    throw fail(`block header is not a list of at least ${MIN_HEADER_FIELDS} fields`);
  }
  const parentHash = headerFields[HEADER_PARENT_HASH]!;
  if (parentHash.list || parentHash.end - parentHash.payload !== 32) {
    throw fail("block header's parent hash is not 32 bytes");
  }
  const number = unsigned(rlp, headerFields[HEADER_NUMBER], "block header's number", fail);
  blockNumber = number;
  const timestamp = unsigned(rlp, headerFields[HEADER_TIMESTAMP], "block header's timestamp", fail);
  if (!transactions.list) throw fail("block's transactions are not a list");

  const transactionChainIds = children(rlp, transactions).map((tx, index) =>
    tx.list ? legacyChainId(rlp, tx, `transaction ${index}`, fail) : typedChainId(rlp, tx, index, fail),
  );
  return {
    number,
    timestamp,
    hash: keccak256(rlp.subarray(header.start, header.end)),
    // A copy (a Buffer's `slice` would be a view keeping the whole block alive).
    parentHash: Uint8Array.from(rlp.subarray(parentHash.payload, parentHash.end)),
    transactionChainIds,
  };
}

type Fail = (detail: string, cause?: unknown) => EvmError;

function legacyChainId(rlp: Uint8Array, tx: RlpItem, what: string, fail: Fail): bigint | undefined {
  const fields = children(rlp, tx);
  if (fields.length !== LEGACY_FIELDS) {
    throw fail(`${what}: a legacy transaction has ${LEGACY_FIELDS} fields, not ${fields.length}`);
  }
  const v = unsigned(rlp, fields[LEGACY_V], `${what}: v`, fail);
  if (v === 27n || v === 28n) return undefined;
  if (v >= 35n) return (v - 35n) / 2n;
  throw fail(`${what}: v = ${v} is neither 27/28 nor EIP-155's chain id * 2 + 35/36`);
}

function typedChainId(rlp: Uint8Array, tx: RlpItem, index: number, fail: Fail): bigint {
  const what = `transaction ${index}`;
  const type = tx.payload < tx.end ? rlp[tx.payload]! : undefined;
  if (type === undefined || type === 0 || type >= 0x80) {
    throw fail(`${what} is neither a legacy list nor a typed envelope (type 0x01–0x7f)`);
  }
  // The envelope's payload is RLP of its own, after the type byte.
  let payload: RlpItem | undefined;
  if (tx.payload + 1 < tx.end) {
    try {
      payload = wholeItem(rlp, tx.payload + 1, tx.end);
    } catch (error) {
      throw fail(`${what} (type ${type}): payload RLP does not decode: ${describeError(error)}`, error);
    }
  }
  const [chainId] = payload?.list ? children(rlp, payload) : [];
  if (chainId === undefined) {
    throw fail(`${what} (type ${type}): payload is not a list starting with a chain id`);
  }
  return unsigned(rlp, chainId, `${what} (type ${type}): chain id`, fail);
}

/** A canonical RLP integer (no leading zero bytes, at most 32 bytes). */
function unsigned(rlp: Uint8Array, item: RlpItem | undefined, what: string, fail: Fail): bigint {
  if (item === undefined || item.list) throw fail(`${what} is not a byte string`);
  const length = item.end - item.payload;
  if (length > 32) throw fail(`${what} has ${length} bytes, more than 32`);
  if (length > 0 && rlp[item.payload] === 0) throw fail(`${what} has leading zero bytes`);
  let value = 0n;
  for (let i = item.payload; i < item.end; i++) value = (value << 8n) | BigInt(rlp[i]!);
  return value;
}

/**
 * One RLP item found in place: where its encoding starts, where its payload starts and where it
 * ends, in the bytes walked. The block is read through these offsets rather than decoded:
 * @ethereumjs/rlp's `decode` copies every field of every transaction into a tree of small arrays,
 * and on the prover's thread that tree (a few MB while ranges are fetched) lived long enough to
 * be copied by the young-generation collector and promoted, lengthening its pauses.
 */
interface RlpItem {
  readonly list: boolean;
  readonly start: number;
  readonly payload: number;
  readonly end: number;
}

/**
 * The item encoded in exactly `bytes[from, to)`, every item inside it checked: the same
 * encodings @ethereumjs/rlp's `decode` accepts (canonical lengths, no trailing bytes).
 */
function wholeItem(bytes: Uint8Array, from: number, to: number): RlpItem {
  const item = itemAt(bytes, from, to);
  if (item.end !== to) throw new Error("invalid RLP: remainder must be zero");
  checkContents(bytes, item);
  return item;
}

function checkContents(bytes: Uint8Array, list: RlpItem): void {
  if (!list.list) return;
  for (let at = list.payload; at < list.end; ) {
    const item = itemAt(bytes, at, list.end);
    checkContents(bytes, item);
    at = item.end;
  }
}

/** The items of a list that `wholeItem` has checked. */
function children(bytes: Uint8Array, list: RlpItem): RlpItem[] {
  const items: RlpItem[] = [];
  for (let at = list.payload; at < list.end; ) {
    const item = itemAt(bytes, at, list.end);
    items.push(item);
    at = item.end;
  }
  return items;
}

/** The item whose prefix is at `at`, which must end by `limit` (its enclosing list's end). */
function itemAt(bytes: Uint8Array, at: number, limit: number): RlpItem {
  const prefix = bytes[at]!;
  if (prefix <= 0x7f) return { list: false, start: at, payload: at, end: at + 1 };
  if (prefix <= 0xb7) {
    const item = within({ list: false, start: at, payload: at + 1, end: at + 1 + prefix - 0x80 }, limit);
    if (prefix === 0x81 && bytes[at + 1]! < 0x80) {
      throw new Error("invalid RLP encoding: invalid prefix, single byte < 0x80 are not prefixed");
    }
    return item;
  }
  if (prefix <= 0xbf) return longItem(bytes, at, limit, prefix - 0xb7, false);
  if (prefix <= 0xf7)
    return within({ list: true, start: at, payload: at + 1, end: at + 1 + prefix - 0xc0 }, limit);
  return longItem(bytes, at, limit, prefix - 0xf7, true);
}

/** An item longer than 55 bytes: its length in `lengthOfLength` big-endian bytes, no leading zero. */
function longItem(
  bytes: Uint8Array,
  at: number,
  limit: number,
  lengthOfLength: number,
  list: boolean,
): RlpItem {
  const payload = at + 1 + lengthOfLength;
  if (payload > limit) throw new Error("invalid RLP: not enough bytes for the length");
  if (bytes[at + 1] === 0) throw new Error("invalid RLP: extra zeros");
  let length = 0;
  for (let i = at + 1; i < payload; i++) length = length * 256 + bytes[i]!;
  if (length <= 55) throw new Error("invalid RLP: a length under 56 in the long form");
  return within({ list, start: at, payload, end: payload + length }, limit);
}

function within(item: RlpItem, limit: number): RlpItem {
  if (item.end > limit) throw new Error("invalid RLP: an item runs past the end of its list or input");
  return item;
}
