import path from "node:path";
import { HostConfigError } from "../errors.js";
import { HOST_KEY_FILE } from "./host-key.js";
import { NativeHost } from "./native-host.js";
import type { HostFactory } from "./resolver.js";

const NATIVE_OPTIONS = ["workers", "privateKey", "keyFile"];

/**
 * Builds a `NativeHost` from config options `{ workers?, privateKey?, keyFile? }`. Without a key
 * option the key file is `<dataDir>/native-host.key`; a relative `keyFile` is inside `dataDir`.
 */
export const nativeHostFactory: HostFactory = (options, { where, dataDir }) => {
  const invalid = (message: string) => new HostConfigError("HOST_INVALID_CONFIG", `${where}: ${message}`);
  const unknown = Object.keys(options).filter((key) => !NATIVE_OPTIONS.includes(key));
  if (unknown.length > 0) {
    throw invalid(`unknown option(s) ${unknown.join(", ")} (allowed: ${NATIVE_OPTIONS.join(", ")})`);
  }
  const { workers, privateKey, keyFile } = options;
  if (workers !== undefined && typeof workers !== "number") throw invalid("workers must be a number");
  if (privateKey !== undefined && typeof privateKey !== "string")
    throw invalid("privateKey must be a hex string");
  if (keyFile !== undefined && typeof keyFile !== "string") throw invalid("keyFile must be a path");
  let file: string | undefined;
  if (privateKey === undefined) {
    if (dataDir === undefined && (keyFile === undefined || !path.isAbsolute(keyFile))) {
      throw invalid("no host key: set privateKey or an absolute keyFile, or give the resolver a dataDir");
    }
    file = path.resolve(dataDir ?? "", keyFile ?? HOST_KEY_FILE);
  }
  try {
    return new NativeHost({ workers, privateKey, keyFile: file });
  } catch (error) {
    if (error instanceof HostConfigError) error.message = `${where}: ${error.message}`;
    throw error;
  }
};
