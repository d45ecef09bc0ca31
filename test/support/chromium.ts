/**
 * Debian's headless Chromium driven by playwright-core, which never downloads a browser of its own.
 * A fresh profile per launch, no background traffic, and a host resolver that resolves nothing but
 * this machine: a page that tried to reach anywhere else would fail there, and the test that watches
 * its requests names it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's package (`apt-get install -y chromium`), or another build named by CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium, or fails saying how to install it: a browser test never skips silently. */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The browser test drives Debian's Chromium: run \`apt-get install -y chromium\` ` +
        '(.ci/run does so when it is missing), or set CHROMIUM_PATH to another Chromium build.',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'aliyun-voice-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
