/**
 * The sandbox's two origins: RPC (dyvmsapi, dybaseapi) and the control API on one, MNS on its own,
 * as at Alibaba where MNS is another host; how their ports are chosen; the single-origin form of
 * earlier versions; and `npm run sandbox` telling each client its endpoint.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveSandboxOptions, type SandboxOptions } from '#sandbox/config';
import { startSandbox } from '#sandbox/server';
import { freePort } from '../../../scripts/local/ports.ts';
import { callV1, decodeReceipt, expectMnsError, messagesOf, mnsRequest, queryToken, receiveMessages, useSandbox } from './helpers.ts';

const KEY = { accessKeyId: 'LTAIsandboxOrigins', accessKeySecret: 'sandbox-origins-secret' };
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('startSandbox', () => {
  const sandbox = useSandbox({ keys: [KEY], receiptDelayMs: 0 });

  it('serves RPC and the control API on url, MNS on mnsUrl, each on a port of its own', async () => {
    sandbox.control.enqueue({ messageType: 'VoiceReport', receipts: [{ call_id: 'origins-1' }] });

    const token = await queryToken(sandbox, KEY, 'VoiceReport');
    const messages = messagesOf(await receiveMessages(sandbox, sandbox.queueNames.VoiceReport, token));
    const queues = await fetch(`${sandbox.url}/__sandbox/queues`);

    expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`);
    expect(sandbox.mnsUrl).toBe(`http://127.0.0.1:${sandbox.mnsPort}`);
    expect(sandbox.mnsPort).not.toBe(sandbox.port);
    expect(messages.map((message) => decodeReceipt(message.MessageBody))).toEqual([{ call_id: 'origins-1' }]);
    expect(queues.status).toBe(200);
    expect(sandbox.control.mnsRequests()).toEqual([expect.objectContaining({ operation: 'BatchReceiveMessage', response: expect.objectContaining({ httpStatus: 200 }) })]);
  });

  it.each([
    ['an RPC action', '/?Action=SingleCallByTts'],
    ['the control API', '/__sandbox/queues'],
  ])('answers %s on the MNS origin with a 404 naming the RPC origin', async (_label, path) => {
    const answer = await fetch(`${sandbox.mnsUrl}${path}`);

    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error: string }).error).toContain(`RPC actions and the control API are on ${sandbox.url}`);
    expect(sandbox.control.requests()).toEqual([]);
  });

  it('answers an unknown path on the RPC origin with a 404 naming the MNS origin', async () => {
    const answer = await fetch(`${sandbox.url}/nothing-here`);

    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error: string }).error).toContain(`MNS queues under /queues/ on ${sandbox.mnsUrl}`);
  });

  it('still serves MNS under /queues/ on the RPC origin (the single-origin form of earlier versions)', async () => {
    sandbox.control.enqueue({ messageType: 'VoiceReport', receipts: [{ call_id: 'single-origin' }] });
    const token = await queryToken(sandbox, KEY, 'VoiceReport');
    const resource = `/queues/${sandbox.queueNames.VoiceReport}/messages?numOfMessages=16`;

    const received = messagesOf(await mnsRequest(sandbox, { method: 'GET', resource, credentials: token, port: sandbox.port }));
    const empty = await mnsRequest(sandbox, { method: 'GET', resource, credentials: token, port: sandbox.port });

    expect(received.map((message) => decodeReceipt(message.MessageBody))).toEqual([{ call_id: 'single-origin' }]);
    expectMnsError(empty, 'MessageNotExist', 404);
  });

  it('cuts off long polls on both origins and stops listening on both when it closes', async () => {
    const other = await startSandbox({ port: 0, keys: [KEY] });
    const token = await queryToken(other, KEY, 'VoiceReport');
    const resource = `/queues/${other.queueNames.VoiceReport}/messages?numOfMessages=16&waitseconds=30`;
    const polls = [other.mnsPort, other.port].map((port) =>
      mnsRequest(other, { method: 'GET', resource, credentials: token, port }).then(
        (answer) => answer.status,
        () => 'connection closed',
      ),
    );
    await expect.poll(() => other.control.mnsRequests().length).toBe(2);

    await other.close();

    expect(await Promise.all(polls)).toEqual(['connection closed', 'connection closed']);
    await expect(fetch(`${other.mnsUrl}/queues/x/messages`)).rejects.toThrow();
    await expect(fetch(`${other.url}/__sandbox/queues`)).rejects.toThrow();
  });
});

describe('startSandbox ports', () => {
  it('listens on the MNS port asked for', async () => {
    const mnsPort = await freePort();

    const sandbox = await startSandbox({ port: 0, mnsPort, keys: [KEY] });
    await sandbox.close();

    expect(sandbox.mnsPort).toBe(mnsPort);
    expect(sandbox.mnsUrl).toBe(`http://127.0.0.1:${mnsPort}`);
  });

  it('fails to start when the MNS port is taken, leaving the RPC port free again', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const takenPort = (taken.address() as { port: number }).port;
    const rpcPort = await freePort();

    try {
      await expect(startSandbox({ port: rpcPort, mnsPort: takenPort, keys: [KEY] })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const again = await startSandbox({ port: rpcPort, mnsPort: 0, keys: [KEY] });
      await again.close();
      expect(again.port).toBe(rpcPort);
    } finally {
      await closeNet(taken);
    }
  });
});

function closeNet(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('resolveSandboxOptions: the MNS port', () => {
  it.each<[string, SandboxOptions, Record<string, string>, number, number]>([
    ['the defaults', {}, {}, 8090, 8091],
    ['SANDBOX_PORT: the next port', {}, { SANDBOX_PORT: '9000' }, 9000, 9001],
    ['SANDBOX_PORT=0: any free port', {}, { SANDBOX_PORT: '0' }, 0, 0],
    ['SANDBOX_MNS_PORT', {}, { SANDBOX_MNS_PORT: '9100' }, 8090, 9100],
    ['SANDBOX_MNS_PORT=0', {}, { SANDBOX_PORT: '9000', SANDBOX_MNS_PORT: '0' }, 9000, 0],
    ['a port option: the environment is not read', { port: 0 }, { SANDBOX_PORT: '9000', SANDBOX_MNS_PORT: '9100' }, 0, 0],
    ['a port option: the next port', { port: 7000 }, { SANDBOX_MNS_PORT: '9100' }, 7000, 7001],
    ['an mnsPort option', { mnsPort: 7100 }, { SANDBOX_PORT: '9000', SANDBOX_MNS_PORT: '9100' }, 9000, 7100],
  ])('%s', (_label, options, env, port, mnsPort) => {
    expect(resolveSandboxOptions(options, env)).toMatchObject({ port, mnsPort });
  });

  it.each<[string, SandboxOptions, Record<string, string>, RegExp]>([
    ['SANDBOX_MNS_PORT not a number', {}, { SANDBOX_MNS_PORT: 'mns' }, /^SANDBOX_MNS_PORT must be a port number \(0-65535\), got "mns"$/],
    ['SANDBOX_MNS_PORT out of range', {}, { SANDBOX_MNS_PORT: '65536' }, /^SANDBOX_MNS_PORT must be a port number/],
    ['SANDBOX_MNS_PORT equal to SANDBOX_PORT', {}, { SANDBOX_PORT: '9000', SANDBOX_MNS_PORT: '9000' }, /^SANDBOX_MNS_PORT must differ from the RPC port 9000/],
    ['no next port after 65535', {}, { SANDBOX_PORT: '65535' }, /^SANDBOX_MNS_PORT must be set when the RPC port is 65535/],
    ['an mnsPort option equal to port', { port: 7000, mnsPort: 7000 }, {}, /^mnsPort must differ from the RPC port 7000/],
  ])('refuses %s, naming it', (_label, options, env, message) => {
    expect(() => resolveSandboxOptions(options, env)).toThrow(message);
  });
});

describe('npm run sandbox', () => {
  it('prints both origins and which endpoint each official client and bundle variable takes', async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!/^(SANDBOX_|ALIYUN_)/.test(name)) env[name] = value;
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      cwd: ROOT,
      env: { ...env, SANDBOX_PORT: '0', SANDBOX_MNS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await expect.poll(() => output, { timeout: 30_000, interval: 100 }).toContain('Ctrl-C to stop.');
      const [, url, mnsUrl] = /listening on (http:\/\/\S+) \(RPC, control API\) and (http:\/\/\S+) \(MNS\)/.exec(output) ?? [];
      const mnsAnswer = await fetch(`${mnsUrl}/queues/Alicom-Queue-0000000000-VoiceReport/messages?numOfMessages=16`);

      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(mnsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(mnsUrl).not.toBe(url);
      expect(output).toContain(`  MNS receipt queues (2015-06-06):       ${mnsUrl}/queues/<name>/messages`);
      expect(output).toMatch(new RegExp(`@alicloud/pop-core \\(endpoint\\) +${url}\\n`));
      expect(output).toMatch(new RegExp(`@alicloud/openapi-client \\(endpoint, protocol HTTP\\) +${new URL(url!).host}\\n`));
      expect(output).toMatch(new RegExp(`@alicloud/mns \\(endpoint option\\) +${mnsUrl}\\n`));
      expect(output).toMatch(new RegExp(`ALIYUN_VOICE_ENDPOINT, ALIYUN_DYBASE_ENDPOINT +${url}\\n`));
      expect(output).toMatch(new RegExp(`ALIYUN_MNS_ENDPOINT +${mnsUrl}\\n`));
      expect(output).toContain(`POST   ${url}/__sandbox/reset`);
      // MNS itself answers there: an unsigned request is refused the MNS way.
      expect(mnsAnswer.status).toBe(400);
      expect(await mnsAnswer.text()).toContain('<Code>MissingAuthorizationHeader</Code>');
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    expect(child.exitCode).toBe(0);
  }, 60_000);
});
