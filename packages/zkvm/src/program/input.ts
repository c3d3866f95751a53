import type { ProofReceipt } from "@paas/core";
import { ByteReader, ByteWriter } from "../bytes.js";
import { GuestInputError } from "../errors.js";
import { encodeReceipt } from "../receipt/codec.js";
import { encodeValue } from "../value/codec.js";

/**
 * The guest's input is a sequence of items, each `[kind u8][len u32 LE][payload]`. The kind is
 * kept so a guest reading a value where the host wrote a receipt fails loudly instead of
 * misreading bytes.
 */
export type InputItemKind = "value" | "bytes" | "receipt";

const KIND_CODES: Readonly<Record<InputItemKind, number>> = { value: 1, bytes: 2, receipt: 3 };
const KINDS_BY_CODE: Readonly<Record<number, InputItemKind>> = { 1: "value", 2: "bytes", 3: "receipt" };
const MAX_ITEM_BYTES = 0xffff_ffff;
/** Payloads encoded here from this size on are held by reference until `toBytes`, not copied twice. */
const BY_REFERENCE_BYTES = 4096;

/** Input items framed ahead of time by `InputWriter.framed()`. */
export interface FramedItems {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/** What `writeInput` fills: the host side of the guest's `read`, `readBytes` and `readVerified`. */
export class InputWriter {
  #writer = new ByteWriter();
  /**
   * The input so far, in order: runs of this writer's own bytes, framed parts and large encoded
   * payloads, held by reference, so the input is copied once, at `toBytes`, into a buffer of its
   * exact size. Growing one buffer by doubling instead cost a 64-block EVM range (18 MB) over
   * 30 ms of the main thread and twice its size in garbage.
   */
  readonly #chunks: Uint8Array[] = [];
  #items = 0;

  /** A structured value in the canonical encoding (see `encodeValue`); the guest reads it with `read()`. */
  write(value: unknown): this {
    return this.#item("value", encodeValue(value, `input item ${this.#items}`), true);
  }

  /** Raw bytes; the guest reads them with `readBytes()`. */
  writeBytes(bytes: Uint8Array): this {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`input item ${this.#items}: writeBytes takes a Uint8Array`);
    }
    return this.#item("bytes", bytes, false);
  }

  /** An inner receipt for recursion; the guest checks it with `readVerified(program)`. */
  writeReceipt(receipt: ProofReceipt): this {
    return this.#item("receipt", encodeReceipt(receipt), true);
  }

  /**
   * Items another writer framed earlier (`framed()`), appended as they are: the same bytes as
   * writing them here. Lets a host encode the parts of a large input as they arrive, between
   * network waits, instead of in one pass on its main thread just before proving. The bytes are
   * read, never changed or transferred, so the caller may keep them.
   */
  writeFramed(items: FramedItems): this {
    this.#flush();
    this.#chunks.push(items.bytes);
    this.#items += items.count;
    return this;
  }

  /** This writer's items, framed, for another writer's `writeFramed`. */
  framed(): FramedItems {
    return { bytes: this.toBytes(), count: this.#items };
  }

  get itemCount(): number {
    return this.#items;
  }

  /** The framed input, in a buffer of its own (the native host transfers it to the worker). */
  toBytes(): Uint8Array<ArrayBuffer> {
    this.#flush();
    let length = 0;
    for (const chunk of this.#chunks) length += chunk.length;
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  }

  /** Ends the bytes written here so far as a chunk, so that a framed part can follow by reference. */
  #flush(): void {
    if (this.#writer.length === 0) return;
    this.#chunks.push(this.#writer.written());
    this.#writer = new ByteWriter();
  }

  /** `owned`: the payload was encoded here, so no caller can change it before `toBytes`. */
  #item(kind: InputItemKind, payload: Uint8Array, owned: boolean): this {
    if (payload.length > MAX_ITEM_BYTES) {
      throw new RangeError(`input item ${this.#items}: ${payload.length} bytes exceed the u32 item length`);
    }
    this.#writer.u8(KIND_CODES[kind]).u32(payload.length);
    if (!owned || payload.length < BY_REFERENCE_BYTES) this.#writer.bytes(payload);
    else {
      this.#flush();
      this.#chunks.push(payload);
    }
    this.#items++;
    return this;
  }
}

/** The guest side: hands out items in order, each only to a reader of its kind. */
export class InputReader {
  readonly #reader: ByteReader;
  #index = 0;

  constructor(input: Uint8Array) {
    this.#reader = new ByteReader(
      input,
      (field, needed, offset) =>
        new GuestInputError(
          "INPUT_MALFORMED",
          `input framing broken: ${field} needs ${needed} bytes at ${offset}`,
        ),
    );
  }

  /** The index of the next item, for error messages. */
  get index(): number {
    return this.#index;
  }

  next(kind: InputItemKind, caller: string): Uint8Array {
    const index = this.#index;
    if (this.#reader.remaining === 0) {
      throw new GuestInputError(
        "INPUT_EXHAUSTED",
        `${caller} asked for input item ${index}, but the input has only ${index} item(s)`,
      );
    }
    const start = this.#reader.offset;
    const code = this.#reader.u8("item kind");
    const actual = KINDS_BY_CODE[code];
    if (!actual) throw new GuestInputError("INPUT_MALFORMED", `input item ${index} has unknown kind ${code}`);
    if (actual !== kind) {
      // Leave the item in place: a guest that catches this can still read it the right way.
      this.#reader.offset = start;
      throw new GuestInputError(
        "INPUT_WRONG_KIND",
        `${caller} expects ${article(kind)} but input item ${index} is ${article(actual)}`,
      );
    }
    const payload = this.#reader.take(this.#reader.u32("item length"), `item ${index}`);
    this.#index++;
    return payload;
  }
}

function article(kind: InputItemKind): string {
  return kind === "value" ? "a value" : kind === "bytes" ? "bytes" : "a receipt";
}
