/**
 * The errors of @paas/zkvm. They do not extend core's `PaasError` on purpose: everything a guest
 * can reach (codecs, program definitions, the guest environment, receipt verification) must load
 * in a proving worker without @paas/core, whose entry point pulls in tsyringe and the SQLite store.
 * The native host translates failures into core's `PermanentError` / `TransientError` itself.
 */
export type ReceiptFormatCode =
  | "RECEIPT_TRUNCATED"
  | "RECEIPT_LENGTH_EXCEEDS_INPUT"
  | "RECEIPT_LENGTH_OVER_LIMIT"
  | "RECEIPT_UNKNOWN_ZKVM"
  | "RECEIPT_UNKNOWN_PROOF_TYPE"
  | "RECEIPT_BAD_UTF8"
  | "RECEIPT_TRAILING_BYTES"
  | "RECEIPT_BAD_FIELD"
  | "RECEIPT_BAD_HEX";

export type ReceiptVerificationCode =
  | "RECEIPT_WRONG_ZKVM"
  | "RECEIPT_WRONG_PROGRAM"
  | "RECEIPT_WRONG_VERSION"
  | "RECEIPT_WRONG_PROOF_TYPE"
  | "RECEIPT_BAD_SIGNATURE";

export type ValueCodecCode = "VALUE_UNSUPPORTED" | "VALUE_MALFORMED";

export type GuestInputCode = "INPUT_EXHAUSTED" | "INPUT_WRONG_KIND" | "INPUT_MALFORMED";

export type GuestOutputCode = "OUTPUT_OVER_LIMIT";

export type ProgramDefinitionCode = "PROGRAM_INVALID" | "PROGRAM_CONFLICT" | "PROGRAM_HOST_IMPORT";

export type HostConfigCode =
  | "HOST_INVALID_CONFIG"
  | "HOST_UNKNOWN_BACKEND"
  | "HOST_NOT_IMPLEMENTED"
  | "HOST_KEY_INVALID"
  | "HOST_KEY_PERMISSIONS"
  | "HOST_KEY_UNWRITABLE"
  | "HOST_KEY_MISMATCH";

export type ZkvmErrorCode =
  | ReceiptFormatCode
  | ReceiptVerificationCode
  | ValueCodecCode
  | GuestInputCode
  | GuestOutputCode
  | ProgramDefinitionCode
  | HostConfigCode;

export class ZkvmError extends Error {
  readonly code: ZkvmErrorCode;

  constructor(code: ZkvmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bytes, JSON or an in-memory receipt that does not follow the receipt layout. */
export class ReceiptFormatError extends ZkvmError {
  declare readonly code: ReceiptFormatCode;

  constructor(code: ReceiptFormatCode, message: string) {
    super(code, message);
  }
}

/** A well-formed receipt that does not prove what the verifier expects. */
export class ReceiptVerificationError extends ZkvmError {
  declare readonly code: ReceiptVerificationCode;

  constructor(code: ReceiptVerificationCode, message: string) {
    super(code, message);
  }
}

/** A value outside the canonical value encoding, or bytes that are not a canonical encoding. */
export class ValueCodecError extends ZkvmError {
  declare readonly code: ValueCodecCode;

  constructor(code: ValueCodecCode, message: string) {
    super(code, message);
  }
}

/** A guest read past the end of its input or asked for an item of another kind. */
export class GuestInputError extends ZkvmError {
  declare readonly code: GuestInputCode;

  constructor(code: GuestInputCode, message: string) {
    super(code, message);
  }
}

/** A guest committed more public values than a receipt can carry. */
export class GuestOutputError extends ZkvmError {
  declare readonly code: GuestOutputCode;

  constructor(code: GuestOutputCode, message: string) {
    super(code, message);
  }
}

export class ProgramDefinitionError extends ZkvmError {
  declare readonly code: ProgramDefinitionCode;

  constructor(code: ProgramDefinitionCode, message: string) {
    super(code, message);
  }
}

/** Host or resolver configuration refused at startup, including the host key. */
export class HostConfigError extends ZkvmError {
  declare readonly code: HostConfigCode;

  constructor(code: HostConfigCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * What a thrown value says, whatever it is: one without a string form (`Object.create(null)`) or
 * whose `message` getter throws still gives a line, never a second error in its place.
 */
export function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
