export type HttpErrorCode =
  | "UNAUTHORIZED"
  | "FOREIGN_HOST"
  | "INVALID_REQUEST"
  | "UNKNOWN_PROGRAM"
  | "JOB_NOT_FOUND"
  | "JOB_ID_TAKEN"
  | "RECEIPT_NOT_READY"
  | "INPUT_TOO_LARGE"
  | "SERVER_BUSY"
  | "NOT_FOUND"
  | "INTERNAL";

/**
 * A request the server answers with an error: the HTTP status and code clients branch on, and a
 * message a person can act on. Sent as `{ error, code }`, the contract's error body plus the code.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}
