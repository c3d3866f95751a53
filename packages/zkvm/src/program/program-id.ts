import { ByteWriter, utf8 } from "../bytes.js";
import { ProgramDefinitionError } from "../errors.js";
import { taggedHash } from "../hash.js";

/**
 * Domain tag of program ids. Its `v1` names the guest ABI as well: the input framing, the value
 * encoding and the commit rules. A change to any of them changes what a guest means for the same
 * name and version, so it must bump this tag (and with it every program id).
 */
export const PROGRAM_ID_TAG = "paas/zkvm/program-id/v1";

/**
 * A program's 32-byte id: the BIP340 tagged hash of its name and version, each prefixed by its
 * u64 little-endian UTF-8 length (so "ab"+"c" and "a"+"bc" differ). The guest's source is not
 * hashed: its text differs between the TypeScript transformers that load it (vitest, tsx), so the
 * version is the guest's meaning — bump it whenever the guest's behaviour changes.
 */
export function programIdOf(name: string, version: string): Uint8Array {
  const nameBytes = checkedText(name, "name", 128);
  const versionBytes = checkedText(version, "version", 256);
  const data = new ByteWriter()
    .u64(nameBytes.length)
    .bytes(nameBytes)
    .u64(versionBytes.length)
    .bytes(versionBytes)
    .finish();
  return taggedHash(PROGRAM_ID_TAG, data);
}

const CONTROL = /\p{Cc}/u;

function checkedText(value: string, what: string, maxBytes: number): Uint8Array {
  const bytes = typeof value === "string" ? utf8(value) : undefined;
  if (!bytes || bytes.length === 0 || bytes.length > maxBytes || CONTROL.test(value)) {
    throw new ProgramDefinitionError(
      "PROGRAM_INVALID",
      `program ${what} ${JSON.stringify(value)} must be 1 to ${maxBytes} bytes of UTF-8 without control characters`,
    );
  }
  return bytes;
}
