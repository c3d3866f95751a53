import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { until } from "@paas/testing";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Where each page's screenshot goes (git-ignored; CI keeps it as an artifact). */
export const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

/**
 * Debian's Chromium, or the one TEST_CHROMIUM_PATH names. Missing, the browser tests fail (never
 * skip): `.ci/chromium` installs it, and so does `apt-get install chromium`.
 */
export function chromiumPath(): string {
  const executable = process.env.TEST_CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(executable)) {
    throw new Error(
      `Chromium not found at ${executable}: the dashboard's browser tests need it ` +
        "(apt-get install chromium, or .ci/chromium; another path: TEST_CHROMIUM_PATH)",
    );
  }
  return executable;
}

/**
 * Headless Chromium with a fresh profile. The flags keep it off the network beyond loopback
 * (background services, updates, sync), which this machine and CI cannot reach.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), "paas-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 860 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `dashboard-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Waits until `expression` holds in the page. Not `page.waitForFunction`: Playwright evaluates its
 * predicate with `eval` inside the page, which the dashboard's content policy refuses (no
 * 'unsafe-eval'); `page.evaluate` goes through the DevTools protocol, outside the policy.
 */
export async function waitForPage(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  await until(async () => (await page.evaluate(expression)) === true, expression, timeoutMs);
}
