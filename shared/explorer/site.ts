/**
 * The API explorer (GET /docs, GET /docs/assets/{file}): Swagger UI over openapi.json, with every
 * script and style served by the explorer's own function, never from a CDN. docs/explorer.md says
 * why Swagger UI, and what the headers below protect against.
 *
 * The page is a fixed HTML shell; browser/explorer.js loads openapi.json from the same origin and
 * starts Swagger UI with "try it" aimed at that origin. Assets get content-hashed names, so they can
 * be cached for a year, while the page itself is revalidated on every load.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { NotFoundError } from '../errors.ts';
import type { HttpResult } from '../http/apiGateway.ts';

/** One file the page loads: its source name (`swagger-ui-bundle.js`) and its text. */
export interface ExplorerAsset {
  name: string;
  text: string;
}

/** The page's path segment for assets: `/docs/assets/{file}` (serverless.yml routes both). */
export const EXPLORER_ASSETS_PATH = 'docs/assets';

/**
 * Only this origin's own files run or style the page, nothing may frame it, and it can talk to
 * nothing but its own origin (openapi.json and "try it"). Swagger UI needs no inline script and no
 * eval; its icons are `data:` images in its stylesheet.
 */
export const EXPLORER_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with the page and every asset. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': EXPLORER_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Content-hashed names never change content: a year, never revalidated. */
const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** The page names the current assets, so it is revalidated (a cheap 304) on every load. */
const PAGE_CACHE_CONTROL = 'no-cache';
/** Smaller bodies are not worth a gzip round (the page is well under it). */
const MIN_GZIP_BYTES = 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface ServedFile {
  contentType: string;
  cacheControl: string;
  text: string;
  etag: string;
  gzipped?: string;
}

/** What the explorer's function answers; `respond` is called with the `{file}` path parameter, if any. */
export interface ExplorerSite {
  /** The page's HTML. */
  page: string;
  /** Source name -> the name it is served under (`swagger-ui-bundle.js` -> `swagger-ui-bundle.3f9c0e1a2b4d.js`). */
  assetNames: ReadonlyMap<string, string>;
  respond(request: { file?: string; acceptEncoding?: string; ifNoneMatch?: string }): HttpResult;
}

/**
 * Builds the explorer from its assets, in page order: styles (`.css`) go in the head, scripts
 * (`.js`) at the end of the body. Hashing and the page are computed once per cold start.
 */
export function createExplorerSite(assets: readonly ExplorerAsset[], title: string): ExplorerSite {
  const files = new Map<string, ServedFile>();
  const assetNames = new Map<string, string>();
  for (const asset of assets) {
    const extension = asset.name.slice(asset.name.lastIndexOf('.'));
    const contentType = CONTENT_TYPES[extension];
    if (!contentType) throw new Error(`explorer asset ${asset.name}: no content type for ${extension}`);
    const hash = contentHash(asset.text);
    const served = `${asset.name.slice(0, -extension.length)}.${hash.slice(0, 12)}${extension}`;
    assetNames.set(asset.name, served);
    files.set(served, { contentType, cacheControl: ASSET_CACHE_CONTROL, text: asset.text, etag: `"${hash}"` });
  }

  const href = (name: string) => `${EXPLORER_ASSETS_PATH}/${assetNames.get(name)}`;
  const styles = assets.filter((asset) => asset.name.endsWith('.css')).map((asset) => `  <link rel="stylesheet" href="${href(asset.name)}">`);
  const scripts = assets.filter((asset) => asset.name.endsWith('.js')).map((asset) => `  <script src="${href(asset.name)}"></script>`);
  // Relative URLs: the page works wherever the API is mounted (a stage, a custom domain's base path).
  const page = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '  <meta charset="utf-8">',
    '  <meta name="viewport" content="width=device-width, initial-scale=1">',
    `  <title>${escapeHtml(title)}</title>`,
    // No icon to fetch: browsers otherwise ask for /favicon.ico, which the API does not serve.
    '  <link rel="icon" href="data:,">',
    ...styles,
    '</head>',
    '<body>',
    '  <noscript>The explorer needs JavaScript. The API is described in <a href="openapi.json">openapi.json</a>.</noscript>',
    '  <main id="explorer" data-openapi="openapi.json"></main>',
    ...scripts,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  const pageFile: ServedFile = { contentType: 'text/html; charset=utf-8', cacheControl: PAGE_CACHE_CONTROL, text: page, etag: `"${contentHash(page)}"` };

  return {
    page,
    assetNames,
    respond({ file, acceptEncoding, ifNoneMatch }) {
      const served = file === undefined ? pageFile : files.get(file);
      if (!served) throw new NotFoundError(`/${EXPLORER_ASSETS_PATH}/${file}`);
      const headers: Record<string, string> = {
        ...SECURITY_HEADERS,
        'content-type': served.contentType,
        'cache-control': served.cacheControl,
        etag: served.etag,
        vary: 'accept-encoding',
      };
      if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === served.etag)) {
        return { statusCode: 304, headers, rawBody: { text: '', isBase64Encoded: false } };
      }
      if (acceptsGzip(acceptEncoding) && Buffer.byteLength(served.text) >= MIN_GZIP_BYTES) {
        // Compressed on first use and kept: API Gateway HTTP APIs do not compress responses.
        served.gzipped ??= gzipSync(served.text).toString('base64');
        return { statusCode: 200, headers: { ...headers, 'content-encoding': 'gzip' }, rawBody: { text: served.gzipped, isBase64Encoded: true } };
      }
      return { statusCode: 200, headers, rawBody: { text: served.text, isBase64Encoded: false } };
    },
  };
}

function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `gzip` listed in Accept-Encoding without `q=0`. */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((entry) => {
    const [coding, ...parameters] = entry.trim().toLowerCase().split(';');
    if (coding?.trim() !== 'gzip') return false;
    const q = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
