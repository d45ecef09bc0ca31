/**
 * shared/alibaba/pool.ts imports three of undici's own modules instead of its index (the index would
 * add about 250 KB to every bundle). Those paths are not a public API, so package.json pins undici's
 * exact version, and this test fails when an upgrade moves or changes them: the modules must be the
 * very objects the public index exports.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

describe('the undici modules pool.ts imports directly', () => {
  it('are pinned to one exact version in package.json', () => {
    const manifest = require('../../../package.json') as { dependencies: Record<string, string> };
    expect(manifest.dependencies.undici).toMatch(/^\d+\.\d+\.\d+$/);
    expect((require('undici/package.json') as { version: string }).version).toBe(manifest.dependencies.undici);
  });

  it('are the Pool class, the request() method and buildConnector the public index exports', () => {
    const undici = require('undici') as typeof import('undici');
    expect(require('undici/lib/dispatcher/pool.js')).toBe(undici.Pool);
    expect(require('undici/lib/core/connect.js')).toBe(undici.buildConnector);
    expect(require('undici/lib/api/api-request.js')).toBe(undici.Dispatcher.prototype.request);
  });
});
