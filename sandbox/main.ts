/**
 * `npm run sandbox`: the local Alibaba sandbox alone, until Ctrl-C.
 * RPC and control API port from SANDBOX_PORT (default 8090), MNS port from SANDBOX_MNS_PORT
 * (default SANDBOX_PORT + 1; 0 for either = any free port), key pair from
 * ALIYUN_ACCESS_KEY_ID/SECRET (default the public sandbox pair), SANDBOX_FLOW_CONTROL=off to
 * disable per-number flow control; receipts:
 * SANDBOX_ACCOUNT_ID, SANDBOX_TOKEN_LIFETIME_MS, SANDBOX_VISIBILITY_TIMEOUT_MS,
 * SANDBOX_RECEIPT_DELAY_MS; HTTP batch push: SANDBOX_PUSH_URL (see sandbox/README.md).
 */
import { resolveSandboxOptions } from './config.ts';
import { CONTROL_ENDPOINTS } from './controlRoutes.ts';
import { clientEndpoints } from './endpoints.ts';
import { startSandbox } from './server.ts';

async function main(): Promise<void> {
  const settings = resolveSandboxOptions();
  const sandbox = await startSandbox(settings);

  console.log(`Alibaba sandbox listening on ${sandbox.url} (RPC, control API) and ${sandbox.mnsUrl} (MNS)`);
  console.log(`  RPC (dyvmsapi, dybaseapi 2017-05-25):  ${sandbox.url}/`);
  console.log(`  MNS receipt queues (2015-06-06):       ${sandbox.mnsUrl}/queues/<name>/messages`);
  console.log('  Endpoints (MNS apart, as at Alibaba):');
  const endpoints = clientEndpoints(sandbox);
  const width = Math.max(...endpoints.map(([client]) => client.length));
  for (const [client, endpoint] of endpoints) console.log(`    ${client.padEnd(width)}  ${endpoint}`);
  console.log(`  AccessKeyId:   ${settings.keys.map((key) => key.accessKeyId).join(', ')}`);
  console.log(`  Flow control:  ${settings.flowControl ? 'on' : 'off'}`);
  console.log('  Receipt queues (RECEIPT_QUEUES):');
  for (const [messageType, queue] of Object.entries(sandbox.queueNames)) console.log(`    ${messageType.padEnd(17)} ${queue}`);
  console.log(
    `  Receipts:      one every ${settings.receiptDelayMs} ms per call, visibility timeout ${settings.visibilityTimeoutMs} ms, ` +
      `tokens valid ${settings.tokenLifetimeMs} ms`,
  );
  const push = sandbox.control.pushSettings();
  // The URL's query may carry the route's token: only where it goes is printed.
  console.log(`  HTTP push:     ${push.url === null ? 'off (SANDBOX_PUSH_URL)' : `to ${push.url.split('?')[0]}${push.queues ? ', queues too' : ''}`}`);
  console.log('  Control API:');
  for (const endpoint of CONTROL_ENDPOINTS) {
    const [method, path] = endpoint.split(/\s+/);
    console.log(`    ${method!.padEnd(6)} ${sandbox.url}${path}`);
  }
  console.log('Ctrl-C to stop.');

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[sandbox] error while closing', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`[sandbox] could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
