/**
 * The client's types, generated from openapi.json with openapi-typescript (client/src/generated/
 * openapi.ts). Written by `npm run client:types` and `npm run client:build`; the test suite fails when
 * the committed file is stale (test/unit/client/package.test.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

export const OPENAPI_DOCUMENT = fileURLToPath(new URL('../../openapi.json', import.meta.url));
export const CLIENT_TYPES_FILE = fileURLToPath(new URL('../../client/src/generated/openapi.ts', import.meta.url));

const HEADER = `/**
 * The aliyun-voice HTTP API's types, generated from openapi.json by openapi-typescript
 * (\`npm run client:types\`). Do not edit by hand.
 */

`;

/** The generated module's text, from the committed openapi.json. */
export async function generateClientTypes(): Promise<string> {
  const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT, 'utf8'));
  return HEADER + astToString(await openapiTS(document));
}
