import { HostConfigError } from "../errors.js";
import { HttpRemoteProver } from "../remote/http-remote-prover.js";
import { RemoteHost } from "./remote-host.js";
import type { BackendOptions, HostFactory, HostFactoryContext } from "./resolver.js";

const REMOTE_OPTIONS = ["url", "token", "publicKey", "concurrency", "pollIntervalMs", "requestTimeoutMs"];
const HEX_KEY = /^[0-9a-f]{64}$/;

interface RemoteOptions {
  readonly url: string;
  readonly token?: string;
  readonly publicKey: string;
  readonly concurrency: number;
  readonly pollIntervalMs?: number;
  readonly requestTimeoutMs?: number;
}

/**
 * Remote backends: a proving service speaking the remote-prover contract at `url`, whose receipts
 * must be signed with `publicKey`. Options `{ url, publicKey, token?, concurrency? (jobs at once,
 * default 4), pollIntervalMs?, requestTimeoutMs? }`.
 */
export const remoteHostFactory: HostFactory = {
  publicKey(options, context) {
    return remoteOptions(options, context).publicKey;
  },
  create(options, context) {
    const { url, token, publicKey, concurrency, pollIntervalMs, requestTimeoutMs } = remoteOptions(
      options,
      context,
    );
    return new RemoteHost({
      backend: context.backend,
      prover: new HttpRemoteProver({ url, token, requestTimeoutMs }),
      publicKey,
      concurrency,
      pollIntervalMs,
      ...(context.logger && { logger: context.logger }),
    });
  },
};

function remoteOptions(options: BackendOptions, { where }: Pick<HostFactoryContext, "where">): RemoteOptions {
  const invalid = (message: string) => new HostConfigError("HOST_INVALID_CONFIG", `${where}: ${message}`);
  const unknown = Object.keys(options).filter((key) => !REMOTE_OPTIONS.includes(key));
  if (unknown.length > 0) {
    throw invalid(`unknown option(s) ${unknown.join(", ")} (allowed: ${REMOTE_OPTIONS.join(", ")})`);
  }
  const { url, token, publicKey, concurrency = 4, pollIntervalMs, requestTimeoutMs } = options;
  if (typeof url !== "string" || !/^https?:\/\//.test(url))
    throw invalid("url: the proving server's http(s) URL is required");
  if (token !== undefined && typeof token !== "string") throw invalid("token must be a string");
  if (typeof publicKey !== "string" || !HEX_KEY.test(publicKey)) {
    throw invalid(
      "publicKey: the 64-hex-digit key the server signs receipts with is required (its start-up line prints it): receipts are verified against it",
    );
  }
  if (typeof concurrency !== "number" || !Number.isInteger(concurrency) || concurrency < 1) {
    throw invalid("concurrency must be a positive integer");
  }
  for (const [name, value] of [
    ["pollIntervalMs", pollIntervalMs],
    ["requestTimeoutMs", requestTimeoutMs],
  ] as const) {
    if (value !== undefined && (typeof value !== "number" || value <= 0))
      throw invalid(`${name} must be a positive number`);
  }
  return { url, token, publicKey, concurrency, pollIntervalMs, requestTimeoutMs } as RemoteOptions;
}
