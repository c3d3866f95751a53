import type { FastifyInstance } from "fastify";
import { refuse } from "./refusal.js";

/** What `Sec-Fetch-Site` says of a request a page of this server's own origin, or the operator, made. */
const OWN = new Set(["same-origin", "none"]);

/**
 * Refuses, before any route, what a browser sends for a page of another site (its
 * `Sec-Fetch-Site` is `cross-site`, or `same-site` for another port of 127.0.0.1): such a page
 * cannot read the answers, but each iframe, image or no-cors fetch it points at `/events` held a
 * subscriber place, and a dozen of them took every place open to 127.0.0.1, so the operator's own
 * dashboard was refused its live updates for as long as that page stayed open. Opening the
 * dashboard from a link elsewhere (a top-level navigation) is still answered. Clients that are
 * not browsers (the CLI, Prometheus, curl) send no such header and are not concerned.
 */
export function refuseCrossSiteRequests(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    const { headers } = request;
    const site = headers["sec-fetch-site"];
    if (site === undefined || OWN.has(site)) return done();
    // A link from elsewhere opening a page in a tab of its own: one place at most, and the user's.
    const opensTab =
      (request.method === "GET" || request.method === "HEAD") &&
      headers["sec-fetch-mode"] === "navigate" &&
      headers["sec-fetch-dest"] === "document";
    if (opensTab) return done();
    // The body is never read, so the connection closes after the answer.
    reply.header("Connection", "close");
    refuse(
      reply,
      403,
      `refused: a page of another site (Sec-Fetch-Site: ${site.slice(0, 20)}) may not use this server; open the dashboard at this server's own address`,
    );
  });
}
