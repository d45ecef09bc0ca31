/** `npm run openapi`: writes openapi.json from the zod schemas (shared/openapi/document.ts). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serialiseOpenApiDocument } from '#shared/openapi/document';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
writeFileSync(target, serialiseOpenApiDocument());
console.log(`wrote ${target}`);
