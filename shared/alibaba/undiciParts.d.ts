/**
 * Types of the undici modules shared/alibaba/pool.ts imports directly (undici 7 has no
 * "exports" map, so its lib/ files are reachable; they ship no .d.ts of their own). Both are the
 * exact objects the package index re-exports, so the package's own types describe them.
 */
declare module 'undici/lib/dispatcher/pool.js' {
  import { Pool } from 'undici';
  export = Pool;
}

declare module 'undici/lib/core/connect.js' {
  import { buildConnector } from 'undici';
  export = buildConnector;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  const request: Dispatcher['request'];
  export = request;
}
