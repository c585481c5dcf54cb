// `npm run test:e2e` (and so `npm test`) starts here: Playwright drives Debian's Chromium
// (playwright.config.ts: CHROMIUM_PATH, else /usr/bin/chromium), never a downloaded browser.
// Found: nothing to do. Missing, as root with apt-get: installs Debian's `chromium`.
// Otherwise: stops with the one command to run.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";

const DEFAULT_PATH = "/usr/bin/chromium";
const INSTALL = "sudo apt-get install -y chromium";

const executable = (p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function fail(message) {
  console.error(`\n${message}\n`);
  process.exit(1);
}

const explicit = process.env.CHROMIUM_PATH?.trim();
if (explicit) {
  if (executable(explicit)) process.exit(0);
  fail(`CHROMIUM_PATH=${explicit} is not an executable. Point it at Chromium or Chrome, or unset it and run:\n  ${INSTALL}`);
}
if (executable(DEFAULT_PATH)) process.exit(0);

const isRoot = process.getuid?.() === 0;
const apt = existsSync("/usr/bin/apt-get");
if (isRoot && apt) {
  console.error(`Chromium not found at ${DEFAULT_PATH}: installing Debian's chromium (apt-get install -y chromium)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: ["ignore", 2, 2], env }).status === 0;
  // A fresh machine has no package lists yet: update once, then try again.
  if (!install()) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: ["ignore", 2, 2], env });
    install();
  }
  if (executable(DEFAULT_PATH)) process.exit(0);
  fail(`Installing chromium with apt-get did not give ${DEFAULT_PATH}. Install it by hand:\n  apt-get update && apt-get install -y chromium`);
}
fail(
  `The browser tests need Chromium at ${DEFAULT_PATH} (or CHROMIUM_PATH). Run:\n  ${INSTALL}\n` +
    (apt ? "" : "(no apt-get here: install Chromium with your package manager and set CHROMIUM_PATH)"),
);
