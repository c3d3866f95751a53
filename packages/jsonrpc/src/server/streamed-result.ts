import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { JsonRpcId } from "../protocol.js";
import { JSONRPC_VERSION } from "../protocol.js";

/**
 * A method's result too large to build as one string, returned by its handler in place of the
 * value: the text of one JSON value, produced a piece at a time. A single call's answer is then
 * written to the client piece by piece with a turn of the event loop between pieces, so other
 * requests are answered meanwhile and the whole text is never in memory. Inside a batch, whose
 * answers are joined, the pieces are joined too.
 */
export class StreamedResult {
  /**
   * Joined, the pieces must be one JSON value. They are iterated once, after the handler returned
   * and possibly after the response's status was sent: check what can fail before returning.
   */
  constructor(readonly pieces: Iterable<string>) {}
}

/** The answer to one call whose result is a `StreamedResult`: its response, a piece at a time. */
export class StreamedAnswer {
  constructor(
    private readonly id: JsonRpcId,
    private readonly result: StreamedResult,
  ) {}

  *pieces(): Generator<string> {
    yield `{"jsonrpc":"${JSONRPC_VERSION}","id":${JSON.stringify(this.id)},"result":`;
    yield* this.result.pieces;
    yield "}";
  }

  /** The response as one string, for a batch. */
  joined(): string {
    return [...this.pieces()].join("");
  }

  /**
   * The response as a byte stream, one piece per turn of the event loop: a socket that takes every
   * write at once would otherwise let the whole answer be produced in one turn.
   */
  toStream(): Readable {
    const pieces = this.pieces();
    return Readable.from(
      (async function* paced() {
        for (const piece of pieces) {
          yield piece;
          await nextTurn();
        }
      })(),
      { objectMode: false },
    );
  }
}

/** What `dispatchBody` answers: the response text, or a streamed response to a single call. */
export type DispatchAnswer = string | StreamedAnswer;
