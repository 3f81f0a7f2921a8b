/**
 * End-to-end tests of the admin SPA: Debian's Chromium (no browser download), headless, against
 * the real server started here on a free port with a temporary SQLite database and the demo
 * data. The port and the database are chosen once, in the main process, and passed to the
 * workers through the environment so that every worker talks to the same server.
 */
import { defineConfig } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { ADMIN_PASSWORD } from "./fixtures/accounts";

function freePort(): number {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  return Number(execFileSync(process.execPath, ["-e", script]).toString().trim());
}

if (!process.env.PORTCULLIS_E2E_PORT) {
  process.env.PORTCULLIS_E2E_PORT = String(freePort());
}
if (!process.env.PORTCULLIS_E2E_DB_DIR) {
  process.env.PORTCULLIS_E2E_DB_DIR = mkdtempSync(path.join(tmpdir(), "portcullis-e2e-"));
}
const port = process.env.PORTCULLIS_E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;
const repoRoot = path.resolve(__dirname, "..");
// The server binary: scripts/test.sh builds it and says where; by default the debug build.
const serverBin =
  process.env.PORTCULLIS_BIN ?? path.join(repoRoot, "target", "debug", "portcullis");

export default defineConfig({
  testDir: "./tests",
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 1 : 2,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  globalTeardown: "./global-teardown.ts",
  use: {
    baseURL,
    headless: true,
    testIdAttribute: "data-testid",
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.PORTCULLIS_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `"${serverBin}" serve --demo`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      DATABASE_URL: `sqlite://${path.join(process.env.PORTCULLIS_E2E_DB_DIR, "e2e.db")}?mode=rwc`,
      PORTCULLIS_BIND: `127.0.0.1:${port}`,
      PORTCULLIS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PORTCULLIS_SPA_DIR: path.join(repoRoot, "frontend", "dist"),
      PORTCULLIS_PUBLIC_URL: baseURL,
      RUST_LOG: "warn",
    },
  },
});
