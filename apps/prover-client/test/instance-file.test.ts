import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { tempDatadir } from "../scenarios/app.js";
import { INSTANCE_FILE, succeedInstance } from "../src/app/instance-file.js";

const data = tempDatadir();
afterEach(() => data.remove());

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
});
