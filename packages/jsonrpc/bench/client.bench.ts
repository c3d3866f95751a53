/**
 * What a JSON-RPC call costs the calling thread (prints, asserts nothing): `JsonRpcClient.call`
 * beside the same exchange made with Node's global `fetch`, which the client used before. The
 * server runs in a child process so that only the caller's CPU is counted. Rounds alternate the
 * two, so a burst of load on the machine falls on both.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import { JsonRpcClient } from "../src/index.js";

const CALLS = Number(process.env.BENCH_CALLS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const SERVER = `
const http = require("node:http");
const answer = JSON.stringify({ jsonrpc: "2.0", id: 0, result: { status: "completed", retryCount: 0, attempts: [] } });
http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const { id } = JSON.parse(body);
    res.setHeader("content-type", "application/json");
    res.end(answer.replace('"id":0', '"id":' + id));
  });
}).listen(0, "127.0.0.1", function () { console.log(this.address().port); });
`;

interface Measured {
  readonly cpuUs: number;
  readonly wallUs: number;
}

async function measure(call: (i: number) => Promise<unknown>): Promise<Measured> {
  for (let i = 0; i < 500; i++) await call(i);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await call(i);
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / CALLS, wallUs: ((performance.now() - started) * 1000) / CALLS };
}

const server = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
const [port] = (await once(server.stdout, "data")) as [Buffer];
const url = `http://127.0.0.1:${port.toString().trim()}/`;
const params = ["0x00000000000000000000000000000000000000000000000000000000000000aa"];

const client = new JsonRpcClient({ url });
const viaClient = (_i: number) => client.call("paas_getTaskStatus", params);
const headers = { "Content-Type": "application/json", Accept: "application/json" };
const viaFetch = async (i: number) => {
  const body = JSON.stringify({ jsonrpc: "2.0", id: i, method: "paas_getTaskStatus", params });
  const response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) });
  return JSON.parse(await response.text());
};

console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")} on ${os.availableParallelism()} cores`,
);
console.log(`one JSON-RPC call on loopback, ${CALLS} calls in a row per round, the caller's CPU only`);
const ratios: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const fetched = await measure(viaFetch);
  const ours = await measure(viaClient);
  ratios.push(ours.cpuUs / fetched.cpuUs);
  for (const [name, m] of [
    ["fetch", fetched],
    ["JsonRpcClient", ours],
  ] as const) {
    console.log(
      `  round ${round}  ${name.padEnd(14)} ${m.cpuUs.toFixed(0).padStart(5)} µs CPU per call   ${m.wallUs.toFixed(0).padStart(5)} µs wall`,
    );
  }
}
ratios.sort((a, b) => a - b);
console.log(
  `JsonRpcClient's CPU per call: ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}× fetch's (median of ${ROUNDS} rounds)`,
);
server.kill();
