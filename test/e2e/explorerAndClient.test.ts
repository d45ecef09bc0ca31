/**
 * What the API's users get, against `npm start` as a user runs it (one local stack for both):
 * - the API explorer at GET /docs in headless Chromium: every operation shown, "try it" placing a
 *   call, nothing loaded from or sent to anywhere but the local API, no CSP violation;
 * - the client package as a user builds, installs, type-checks and runs it, the ten lines of
 *   docs/client.md included.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Chromium } from '../support/chromium.ts';
import { startLocalStack, STARTUP_TIMEOUT_MS, type LocalStack } from '../support/localStack.ts';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const document = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8'));

/** What the init script uses of the page's globals (the repository's types have no DOM). */
interface BrowserGlobals {
  cspViolations: string[];
  document: { addEventListener(type: 'securitypolicyviolation', listener: (event: { effectiveDirective: string; blockedURI: string }) => void): void };
}

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, STARTUP_TIMEOUT_MS + 10_000);

afterAll(() => stack?.stop());

describe('the API explorer (GET /docs) in Chromium', () => {
  let chromium: Chromium;
  let page: Page;
  const requested: string[] = [];
  const failedRequests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    chromium = await launchChromium();
    const { context } = chromium;
    context.on('request', (request) => requested.push(request.url()));
    context.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    // Registered before any of the page's scripts run, so every violation is seen.
    await context.addInitScript(() => {
      const browser = globalThis as unknown as BrowserGlobals;
      browser.cspViolations = [];
      browser.document.addEventListener('securitypolicyviolation', (event) => browser.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`));
    });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
  });

  it('loads the page with its strict Content-Security-Policy and shows every operation of openapi.json', async () => {
    const response = await page.goto(`${stack.api}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('#explorer[data-state="ready"]').waitFor({ state: 'attached', timeout: 30_000 });

    const expected = Object.values(document.paths as Record<string, Record<string, { operationId: string; tags: string[] }>>).flatMap((methods) =>
      Object.values(methods).map((operation) => `operations-${operation.tags[0]}-${operation.operationId}`),
    );
    const shown = await page.locator('.opblock').evaluateAll((blocks) => blocks.map((block) => block.id));
    expect(shown.sort()).toEqual(expected.sort());
    // "Try it" goes where the page came from, not to the document's default servers.
    expect(await page.locator('.servers select').inputValue()).toBe(stack.api);
  });

  it('places a call with "try it" and shows the 202, a call the API then knows', async () => {
    const operation = page.locator('#operations-calls-placeCall');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    // The document's example bodies, one per call type, are offered.
    await expect.poll(() => operation.textContent()).toContain('TTS template / verification code (SingleCallByTts)');
    const body = JSON.parse(await operation.locator('textarea.body-param__text').inputValue());
    expect(body).toEqual(document.paths['/calls'].post.requestBody.content['application/json'].examples.tts.value);

    const answered = page.waitForResponse((response) => response.url() === `${stack.api}/calls` && response.request().method() === 'POST');
    await operation.getByRole('button', { name: 'Execute' }).click();
    const response = await answered;
    expect(response.status(), await response.text()).toBe(202);
    await expect.poll(() => operation.locator('.live-responses-table tbody .response-col_status').first().textContent()).toBe('202');
    const placed = (await response.json()) as { callId: string; type: string };
    expect(placed.type).toBe('tts');

    const stored = await fetch(`${stack.api}/calls/${encodeURIComponent(placed.callId)}`);
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ callId: placed.callId, type: 'tts' });
  });

  it('sent no request anywhere but the local API, and saw no CSP violation, failed request or script error', async () => {
    const origins = new Set(requested.map((url) => new URL(url).origin));
    expect([...origins]).toEqual([stack.api]);
    expect(requested).toEqual(expect.arrayContaining([`${stack.api}/docs`, `${stack.api}/openapi.json`, `${stack.api}/calls`]));
    expect(requested.filter((url) => url.includes('/docs/assets/'))).toHaveLength(4);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).cspViolations)).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe('@aliyun-voice/client as a user builds and runs it', () => {
  let project: string;
  type ClientModule = typeof import('../../client/src/index.ts');
  let client: ClientModule;

  beforeAll(async () => {
    await execFileAsync('npm', ['run', 'client:build'], { cwd: ROOT, timeout: 120_000 });
    // A user's project with the package installed by path (npm install /path/to/client links it).
    project = mkdtempSync(join(tmpdir(), 'aliyun-voice-client-user-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'voice-user', private: true, type: 'module' }));
    mkdirSync(join(project, 'node_modules', '@aliyun-voice'), { recursive: true });
    symlinkSync(join(ROOT, 'client'), join(project, 'node_modules', '@aliyun-voice', 'client'), 'dir');
    client = (await import(pathToFileURL(join(ROOT, 'client', 'dist', 'index.js')).href)) as ClientModule;
  }, 150_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('builds one ES module with its declarations, and packs only those and the README', async () => {
    expect(existsSync(join(ROOT, 'client/dist/index.js'))).toBe(true);
    expect(existsSync(join(ROOT, 'client/dist/index.d.ts'))).toBe(true);
    const { stdout } = await execFileAsync('npm', ['pack', '--dry-run', '--json'], { cwd: join(ROOT, 'client') });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/client.d.ts']));
    expect(files.filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md'].includes(path))).toEqual([]);
  });

  it('runs the ten lines of docs/client.md: the call placed and read back, then flow control as a typed 429', async () => {
    const guide = readFileSync(join(ROOT, 'docs/client.md'), 'utf8');
    const example = /<!-- example: ten-lines[^>]*-->\n```js\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(example, 'the ten-line example in docs/client.md').toBeDefined();
    expect(example!.trimEnd().split('\n')).toHaveLength(10);
    writeFileSync(join(project, 'call.mjs'), example!);
    const run = () => execFileAsync(process.execPath, ['call.mjs'], { cwd: project, env: { ...process.env, VOICE_API_URL: stack.api }, timeout: 60_000 });

    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^placed \d+\^\d+: placed, \d+ receipt\(s\)\n$/);
    // The same number again within the minute: the bundle's per-number flow control (on in npm start, as deployed).
    const second = await run();
    expect(second.stderr).toMatch(/^429 FLOW_CONTROL: The number has been called as often as its 1\/60 window allows/);
  }, 90_000);

  it('type-checks a TypeScript consumer against the built declarations, and they are no `any`', async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      [
        "import { createClient, VoiceApiError, type Call, type CallRequest, type PlacedCall } from '@aliyun-voice/client';",
        "const voice = createClient({ baseUrl: 'http://127.0.0.1:3000', auth: { token: () => 'jwt' }, retry: { maxAttempts: 2 } });",
        "export const placed: Promise<PlacedCall> = voice.placeCall({ type: 'voice', calledNumber: '13800138000', voiceCode: 'a.wav' }, { idempotencyKey: 'k' });",
        "export const call: Promise<Call> = voice.getCall('1^2', { live: 'true' });",
        "export const request: Promise<CallRequest> = voice.createCallRequest({ call: { type: 'voice', calledNumber: '13800138000', voiceCode: 'a.wav' }, window: { from: '09:00', to: '20:00' } });",
        "export const code = (error: unknown) => (error instanceof VoiceApiError ? `${error.status} ${error.code} ${error.problem.detail}` : undefined);",
        '// @ts-expect-error a tts call needs its ttsCode',
        "voice.placeCall({ type: 'tts', calledNumber: '13800138000' });",
        '// @ts-expect-error live is "true" or "false"',
        "voice.getCall('1^2', { live: true });",
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [], typeRoots: [] }, files: ['consumer.ts'] }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await execFileAsync(process.execPath, [tsc, '-p', project], { cwd: project }).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  }, 60_000);

  it('places with its own key and replays it, reads, cancels, and turns problems into typed errors', async () => {
    const { createClient, VoiceApiError } = client;
    const voice = createClient({ baseUrl: stack.api, auth: 'none' });
    const body = { type: 'tts', calledNumber: '13800138051', ttsCode: 'TTS_123456789', outId: 'e2e-client-1' } as const;
    const key = `e2e-client-${Date.now()}`;
    const placed = await voice.placeCall(body, { idempotencyKey: key });
    // The same key and body: the first answer again, and no second call (no flow control refusal either).
    expect(await voice.placeCall(body, { idempotencyKey: key })).toEqual(placed);
    expect(await voice.getCall(placed.callId)).toMatchObject({ callId: placed.callId, type: 'tts', outId: 'e2e-client-1' });

    const reused = await voice.placeCall({ ...body, outId: 'e2e-client-2' }, { idempotencyKey: key }).catch((error: unknown) => error);
    expect(reused).toBeInstanceOf(VoiceApiError);
    expect(reused).toMatchObject({ status: 422, code: 'IDEMPOTENCY_CONFLICT', idempotencyKey: key });

    const twoLegs = await voice.placeCall({
      type: 'clickToDial',
      callerShowNumber: '057100000001',
      callerNumber: '13800138053',
      calledShowNumber: '057100000002',
      calledNumber: '13800138054',
    });
    expect(await voice.cancelCall(twoLegs.callId)).toMatchObject({ callId: twoLegs.callId, cancelled: true });

    const unknown = await voice.getCall('116012354148^999999999999').catch((error: unknown) => error);
    expect(unknown).toMatchObject({ status: 404, code: 'NOT_FOUND', attempts: 1 });

    const invalid = (await voice.placeCall({ ...body, calledNumber: '12' }).catch((error: unknown) => error)) as InstanceType<typeof VoiceApiError>;
    expect(invalid).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(invalid.problem.errors?.map((issue) => issue.path)).toEqual(['calledNumber']);
  }, 60_000);

  it('creates a call request for an hour ahead, reads it back, and cancels it, once and again', async () => {
    const voice = client.createClient({ baseUrl: stack.api, auth: 'none' });
    const notBefore = new Date(Date.now() + 3_600_000).toISOString();
    const body = { call: { type: 'tts', calledNumber: '13800138061', ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } }, notBefore } as const;
    const key = `e2e-client-request-${Date.now()}`;
    const created = await voice.createCallRequest(body, { idempotencyKey: key });
    expect(created).toMatchObject({ status: 'scheduled', call: body.call, notBefore, nextAttemptAt: notBefore, attempts: [], window: null, until: 'answered' });
    expect(created.requestId).toMatch(/^cr_[A-Za-z0-9_-]{22}$/);
    // The same key and body: the same request, none created.
    expect(await voice.createCallRequest(body, { idempotencyKey: key })).toEqual(created);
    expect(await voice.getCallRequest(created.requestId)).toEqual(created);

    expect(await voice.cancelCallRequest(created.requestId)).toEqual({ requestId: created.requestId, cancelled: true, status: 'cancelled' });
    expect(await voice.getCallRequest(created.requestId)).toMatchObject({ requestId: created.requestId, status: 'cancelled', nextAttemptAt: null, attempts: [] });
    // A repeat (what the client's own retry sends) changes nothing and says so.
    expect(await voice.cancelCallRequest(created.requestId)).toEqual({ requestId: created.requestId, cancelled: false, status: 'cancelled' });

    const unknown = await voice.getCallRequest('cr_AAAAAAAAAAAAAAAAAAAAAA').catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(client.VoiceApiError);
    expect(unknown).toMatchObject({ status: 404, code: 'NOT_FOUND', operation: 'getCallRequest', attempts: 1 });
  }, 60_000);

  it('sends SigV4-signed requests that the local stack (which checks no signature) serves as they are', async () => {
    const voice = client.createClient({ baseUrl: stack.api, auth: 'sigv4', region: 'us-east-1', credentials: { accessKeyId: 'AKIALOCAL', secretAccessKey: 'local' } });
    expect((await voice.getCall('116012354148^999999999999').catch((error: unknown) => error)) as object).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});
