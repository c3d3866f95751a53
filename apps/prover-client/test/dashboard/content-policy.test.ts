/**
 * The dashboard's content policy as the browser enforces it: the page's own bundle runs, while a
 * script that reached the page's HTML (text from a node or a plugin past an escaping bug) does not,
 * inline or from another origin. The server here is the HTTP app alone, serving a stand-in build;
 * the real build runs under the same policy in dashboard.test.ts, which fails on any console error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromiumPath, launchBrowser } from "./browser.js";
import { httpAppAlone } from "./http-app-alone.js";

let dist: string;
let server: FastifyInstance;
let foreign: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let url: string;

beforeAll(async () => {
  chromiumPath();
  // Another origin serving a script, as an attacker's server would.
  foreign = createServer((_request, response) =>
    response.writeHead(200, { "content-type": "text/javascript" }).end("window.fromElsewhere = true;"),
  );
  await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.2", resolve));
  const foreignScript = `http://127.0.0.2:${(foreign.address() as AddressInfo).port}/x.js`;
  dist = mkdtempSync(path.join(tmpdir(), "paas-dashboard-policy-"));
  mkdirSync(path.join(dist, "assets"));
  writeFileSync(path.join(dist, "assets", "main-1a2b3c.js"), "window.ownBundle = true;");
  writeFileSync(
    path.join(dist, "index.html"),
    [
      "<!doctype html><title>PaaS</title>",
      '<script src="assets/main-1a2b3c.js"></script>',
      "<script>window.inline = true;</script>",
      `<script src="${foreignScript}"></script>`,
      '<img src="x" onerror="window.handler = true">',
    ].join("\n"),
  );
  let origin: string;
  ({ server, origin } = await httpAppAlone({ dashboardDir: dist }));
  url = `${origin}/`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  foreign?.close();
  rmSync(dist, { recursive: true, force: true });
});

it("runs the page's own bundle and no script that reached its HTML", { timeout: 60_000 }, async () => {
  const page = await browser.context.newPage();
  const refused: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/.test(message.text())) {
      refused.push(message.text());
    }
  });
  await page.goto(url, { waitUntil: "load" });
  const ran = await page.evaluate(
    "({ own: window.ownBundle, inline: window.inline, elsewhere: window.fromElsewhere, handler: window.handler })",
  );
  expect(ran).toEqual({ own: true, inline: undefined, elsewhere: undefined, handler: undefined });
  // The browser said why each was refused: the policy, not a failed load.
  expect(refused.length).toBeGreaterThanOrEqual(3);
  await page.close();
});
