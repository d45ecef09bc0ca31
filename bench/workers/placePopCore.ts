/**
 * The anchor of the placing row: a plain `@alicloud/pop-core` loop (RPCClient, V1, POST, its own
 * keep-alive agent) placing the same SingleCallByTts calls, with the same parameters our handler
 * sent, against the same sandbox, `concurrency` requests in flight.
 */
import RPCClient from '@alicloud/pop-core';
import { runConcurrent } from '../lib/load.ts';
import { serveWorker } from '../lib/workerProtocol.ts';

let client: RPCClient | undefined;
let params: Record<string, string> = {};

serveWorker({
  init(payload: { endpoint: string; accessKeyId: string; accessKeySecret: string; params: Record<string, string> }) {
    client = new RPCClient({ endpoint: payload.endpoint, apiVersion: '2017-05-25', accessKeyId: payload.accessKeyId, accessKeySecret: payload.accessKeySecret });
    params = payload.params;
    return {};
  },
  async run(payload: { count: number; concurrency: number }) {
    if (!client) throw new Error('init first');
    const rpc = client;
    return runConcurrent(payload.count, payload.concurrency, async () => {
      const answer = await rpc.request<{ Code?: string; CallId?: string }>('SingleCallByTts', params, { method: 'POST' });
      if (answer.Code !== 'OK' || !answer.CallId) throw new Error(`unexpected answer ${JSON.stringify(answer).slice(0, 300)}`);
    });
  },
});
