import { cpSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { tempDatadir } from "../scenarios/app.js";
import { INSTANCE_FILE, succeedInstance } from "../src/app/instance-file.js";

const data = tempDatadir();
const copy = tempDatadir();
afterEach(() => {
  data.remove();
  copy.remove();
});

it("names the instance that last started on the data directory, and only one of this machine", () => {
  expect(succeedInstance(data.dir, "first")).toBeUndefined();
  expect(succeedInstance(data.dir, "second")).toBe("first");
  // A data directory copied from another machine names an instance that may still run there.
  writeFileSync(
    path.join(data.dir, INSTANCE_FILE),
    JSON.stringify({ id: "elsewhere", host: `not-${hostname()}` }),
  );
  expect(succeedInstance(data.dir, "third")).toBeUndefined();
  expect(succeedInstance(data.dir, "fourth")).toBe("third");
  // A copy beside it, for a second instance on this machine, names the first, which still runs.
  cpSync(data.dir, copy.dir, { recursive: true });
  expect(succeedInstance(copy.dir, "fifth")).toBeUndefined();
  expect(succeedInstance(copy.dir, "sixth")).toBe("fifth");
  expect(succeedInstance(data.dir, "seventh")).toBe("fourth");
});
