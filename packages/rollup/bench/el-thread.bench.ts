/**
 * What the EL thread's answer budget holds the memory of many calls at once to: `calls` calls
 * (default 64) at once, each read on the EL thread (64 MiB heap, so 8 MiB answers at most) from a
 * loopback node answering `mb` MiB (default 7), all answers sent together. Prints how much the
 * process's peak memory (maxRSS, which never goes down: the process is this run's alone) grew, and
 * any failures. Prints numbers, asserts nothing.
 *
 *   npm run bench -w @paas/rollup            (or: npx nx run rollup:bench)
 */

import { createServer } from "node:http";
import { loadavg } from "node:os";
import { ElClient } from "../src/index.js";

const [mb = 7, calls = 64] = process.argv.slice(2).map(Number);
// A one-byte block padded with whitespace: the answer is read whole, but decodes to almost
// nothing, so what the process holds is the answers being read, not the blocks handed back.
const answer = Buffer.from(`"0x01"${" ".repeat(mb * 1024 * 1024)}}`);
// Once every call has asked, all are answered at once: so many answers arrive together.
const held: (() => void)[] = [];
const server = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => {
    body += chunk;
  });
  request.on("end", () => {
    const { id, params } = JSON.parse(body) as { id: number; params: [string] };
    const send = () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write(`{"jsonrpc":"2.0","id":${id},"result":`);
      response.end(answer);
    };
    if (params[0] === "0x0") return send();
    held.push(send);
    if (held.length === calls) for (const answer of held) answer();
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as { port: number };
const el = new ElClient({ url: `http://127.0.0.1:${port}/`, threadHeapMb: 64, retry: { attempts: 1 } });
await el.getRawBlock(0); // the thread started, before the peak is taken
const before = process.resourceUsage().maxRSS;
const outcomes = await Promise.allSettled(Array.from({ length: calls }, (_, i) => el.getRawBlock(i + 1)));
const grewMb = Math.round((process.resourceUsage().maxRSS - before) / 1024);
const failures = outcomes.flatMap((o) => (o.status === "rejected" ? [(o.reason as Error).message] : []));
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`,
);
console.log(
  `EL thread (64 MiB heap): ${calls} calls of ${mb} MiB answers at once: peak memory grew ${grewMb} MiB; ` +
    `${calls - failures.length} succeeded` +
    (failures.length > 0 ? `, failures: ${[...new Set(failures)].join("; ")}` : ""),
);
server.close();
