import { errorMessage, InvalidConfigError, PermanentError } from "@paas/core";
import { HostConfigError, RemoteHost, type ZkVmHostResolver } from "@paas/zkvm";
import type { Logger } from "pino";
import type { ReadinessCheck } from "../http/readiness.js";

/** How long a start waits for a remote backend's server to say which key it signs with. */
const START_CHECK_TIMEOUT_MS = 5_000;

function remoteHosts(hosts: ZkVmHostResolver): RemoteHost[] {
  return hosts.hosts().filter((host): host is RemoteHost => host instanceof RemoteHost);
}

/**
 * Before proving starts, each remote backend's server is asked which key it signs with. With
 * another than the backend's `public_key` (a server given a new data directory, a key copied
 * wrong) every proof made there was refused once proven, task after task, while the start had said
 * nothing. That, a refused token, or a URL that is no proving server stops the start, naming what
 * is wrong. A server that does not answer does not: the client starts, its tasks retry until the
 * server answers, and the readiness check (`remoteBackendChecks`) says why meanwhile.
 */
export async function checkRemoteBackends(hosts: ZkVmHostResolver, logger: Logger): Promise<void> {
  await Promise.all(
    remoteHosts(hosts).map(async (host) => {
      try {
        await host.checkServer({ signal: AbortSignal.timeout(START_CHECK_TIMEOUT_MS) });
      } catch (error) {
        if (error instanceof HostConfigError || error instanceof PermanentError) {
          throw new InvalidConfigError(`backends.${host.backend}: ${errorMessage(error)}`);
        }
        logger.warn(
          { backend: host.backend, error: errorMessage(error) },
          "the remote backend's proving server does not answer: starting anyway, its tasks retry until it does",
        );
      }
    }),
  );
}

/** One readiness check per remote backend: its server answers and signs with the trusted key. */
export function remoteBackendChecks(hosts: ZkVmHostResolver): ReadinessCheck[] {
  return remoteHosts(hosts).map((host) => ({
    name: `backend ${host.backend}`,
    check: (signal) => host.checkServer({ signal }),
  }));
}
