import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { JsonRpcId } from "../protocol.js";
import { failureResponse, JSONRPC_VERSION } from "../protocol.js";
import { INTERNAL_ERROR } from "./errors-to-wire.js";

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
    /**
     * Told what the result's pieces threw, as a handler's error is: once the status is sent the
     * call can only be cut, and a host sees no more than a broken stream, as for a client gone.
     */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  *pieces(): Generator<string> {
    yield `{"jsonrpc":"${JSONRPC_VERSION}","id":${JSON.stringify(this.id)},"result":`;
    try {
      yield* this.result.pieces;
    } catch (error) {
      this.onFailure(error);
      throw error;
    }
    yield "}";
  }

  /**
   * The response as one string, for a batch: pieces that throw fail this call alone, with
   * "internal error", as a result that cannot be serialised does; the batch's other answers stand.
   */
  joined(): string {
    try {
      return [...this.pieces()].join("");
    } catch {
      return JSON.stringify(failureResponse(this.id, INTERNAL_ERROR));
    }
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

/**
 * Ends the connection of a streamed answer once it is sent, if the server is closing by then. A
 * closing server's answers ask the client not to reuse the connection ("Connection: close"), but
 * a streamed answer's headers go out before it ends: kept alive, its connection held the server's
 * close for the whole grace period, and was then cut.
 */
export function endConnectionIfClosing(
  request: IncomingMessage,
  response: ServerResponse,
  closing: () => boolean,
): void {
  response.once("finish", () => {
    // As Node ends a "Connection: close" one: once what was written has gone out.
    if (closing()) request.socket.destroySoon();
  });
}

/** What `dispatchBody` answers: the response text, or a streamed response to a single call. */
export type DispatchAnswer = string | StreamedAnswer;
