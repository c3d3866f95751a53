/**
 * `@paas/zkvm/program`: what program modules import. Proving workers load program modules, so this
 * entry point reaches neither the host side (worker pool, key files) nor @paas/core at runtime.
 */
export type { ProgramDescriptor, ProofType } from "@paas/core";
export { schnorrPublicKey, signSchnorr, verifySchnorr } from "../bip340.js";
export {
  GuestInputError,
  GuestOutputError,
  ProgramDefinitionError,
  ReceiptFormatError,
  ReceiptVerificationError,
  ValueCodecError,
  ZkvmError,
  type ZkvmErrorCode,
} from "../errors.js";
export type { ExpectedProgram } from "../receipt/verify.js";
export { decodeValue, encodeValue, MAX_VALUE_DEPTH, type Value, type ValueObject } from "../value/codec.js";
export { defineProgram, isProgram, type Program, type ProgramDefinition } from "./define.js";
export type { GuestEnv } from "./env.js";
export { type FramedItems, type InputItemKind, InputWriter } from "./input.js";
export { PROGRAM_ID_TAG, programIdOf } from "./program-id.js";
export { decodeCommitted, PublicValuesReader } from "./public-values.js";
