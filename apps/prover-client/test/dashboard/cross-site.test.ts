/**
 * A page of another site, open in the operator's Chromium, against the prover client on
 * loopback: it cannot read the event stream, but every frame it pointed at `/events` used to hold
 * a subscriber place, and a dozen took every place open to 127.0.0.1, so the operator's own
 * dashboard was turned away. The server here is the HTTP app alone; the whole app is in
 * dashboard.test.ts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Response } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EventStream } from "../../src/http/event-stream.js";
import { chromiumPath, launchBrowser } from "./browser.js";
import { httpAppAlone } from "./http-app-alone.js";

/** More frames than the places one address may hold (8); through two names, past Chromium's 6 connections a host. */
const FRAMES = 10;

let server: FastifyInstance;
let events: EventStream;
let hostile: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let port: number;
let hostileUrl: string;

beforeAll(async () => {
  chromiumPath();
  events = new EventStream();
  ({ server, port } = await httpAppAlone({ events }));
  // Another site: another loopback address, as a page of any site on the internet would be.
  const frames = Array.from(
    { length: FRAMES },
    (_, i) => `<iframe src="http://${i % 2 ? "127.0.0.1" : "localhost"}:${port}/events?${i}"></iframe>`,
  );
  const page = `<!doctype html><a id="open" href="http://127.0.0.1:${port}/health">prover</a>${frames.join("")}`;
  hostile = createServer((_request, response) =>
    response.writeHead(200, { "content-type": "text/html" }).end(page),
  );
  await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.2", resolve));
  hostileUrl = `http://127.0.0.2:${(hostile.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  hostile?.close();
});

it("holds no event-stream place for a page of another site, and still opens from its links", {
  timeout: 60_000,
}, async () => {
  const page = await browser.context.newPage();
  const answered: Response[] = [];
  const allAnswered = new Promise<void>((resolve) => {
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/events" && answered.push(response) === FRAMES) resolve();
    });
  });
  // Frames given the stream would keep the page loading for ever: wait for its commit only.
  await page.goto(hostileUrl, { waitUntil: "commit" });
  await allAnswered;
  // The operator's own dashboard still gets the stream: the page's frames hold no place.
  const own = await fetch(`http://127.0.0.1:${port}/events`);
  await own.body?.cancel();
  expect(own.status).toBe(200);
  expect(answered.map((r) => r.status())).toEqual(Array(FRAMES).fill(403));

  // A link on that page still opens the server in the tab (a navigation of the operator's own).
  const [opened] = await Promise.all([page.waitForNavigation(), page.click("#open")]);
  expect(opened?.status()).toBe(200);
  expect(await page.textContent("body")).toBe("ok\n");
  await page.close();
});
