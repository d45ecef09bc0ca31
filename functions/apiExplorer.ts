// Imported as text and inlined by esbuild: this function alone carries the explorer's assets.
import swaggerUiScript from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' };
import swaggerUiStyles from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' };
import explorerScript from '#shared/explorer/browser/explorer.js' with { type: 'text' };
import explorerStyles from '#shared/explorer/browser/explorer.css' with { type: 'text' };
import { header, httpHandler } from '#shared/http/apiGateway';
import { createExplorerSite } from '#shared/explorer/site';

const site = createExplorerSite(
  [
    { name: 'swagger-ui.css', text: swaggerUiStyles },
    { name: 'explorer.css', text: explorerStyles },
    { name: 'swagger-ui-bundle.js', text: swaggerUiScript },
    { name: 'explorer.js', text: explorerScript },
  ],
  'aliyun-voice API explorer',
);

/** GET /docs and GET /docs/assets/{file} — the API explorer page and its scripts and styles. */
export const handler = httpHandler(async ({ event }) =>
  site.respond({
    file: event.pathParameters?.file,
    acceptEncoding: header(event, 'accept-encoding'),
    ifNoneMatch: header(event, 'if-none-match'),
  }),
);
