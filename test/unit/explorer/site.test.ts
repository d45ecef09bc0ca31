/**
 * The API explorer's responses (shared/explorer/site.ts): the page names every asset by a content
 * hash, every answer carries the strict CSP, assets are cached for good and the page revalidated,
 * gzip is used when accepted, and an unknown file is a 404. The browser test (test/e2e/explorer)
 * runs the real page in Chromium.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '#shared/errors';
import { createExplorerSite, EXPLORER_CONTENT_SECURITY_POLICY, type ExplorerAsset } from '#shared/explorer/site';

const ASSETS: ExplorerAsset[] = [
  { name: 'ui.css', text: '.ui { color: red }\n' },
  { name: 'ui-bundle.js', text: `window.UI = function () {};\n${'// padding\n'.repeat(200)}` },
  { name: 'start.js', text: 'window.UI();\n' },
];

const site = createExplorerSite(ASSETS, 'Explorer <&>');

/** The asset URLs the page refers to, in order. */
function referencedAssets(page: string): string[] {
  return [...page.matchAll(/(?:href|src)="(docs\/assets\/[^"]+)"/g)].map((match) => match[1]!);
}

describe('the explorer page', () => {
  it('links the styles in the head and the scripts at the end of the body, in the given order, by content-hashed names', () => {
    expect(referencedAssets(site.page)).toEqual([
      `docs/assets/${site.assetNames.get('ui.css')}`,
      `docs/assets/${site.assetNames.get('ui-bundle.js')}`,
      `docs/assets/${site.assetNames.get('start.js')}`,
    ]);
    expect(site.assetNames.get('ui-bundle.js')).toMatch(/^ui-bundle\.[0-9a-f]{12}\.js$/);
    expect(site.page.indexOf('ui.css')).toBeLessThan(site.page.indexOf('</head>'));
    expect(site.page.indexOf('start.')).toBeGreaterThan(site.page.indexOf('<main'));
  });

  it('has no inline script or style, and loads openapi.json and every asset by relative URL', () => {
    expect(site.page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(site.page).not.toMatch(/<style|\sstyle=|\son\w+=/i);
    expect(site.page).toContain('data-openapi="openapi.json"');
    expect(site.page).not.toMatch(/(?:href|src)="(?:\/|https?:)/);
  });

  it('escapes its title', () => {
    expect(site.page).toContain('<title>Explorer &#60;&#38;&#62;</title>');
  });

  it('renames an asset whose content changes, and keeps the name of one that does not', () => {
    const changed = createExplorerSite([ASSETS[0]!, { name: 'ui-bundle.js', text: 'window.UI = 2;' }, ASSETS[2]!], 'Explorer');
    expect(changed.assetNames.get('ui-bundle.js')).not.toBe(site.assetNames.get('ui-bundle.js'));
    expect(changed.assetNames.get('ui.css')).toBe(site.assetNames.get('ui.css'));
  });

  it('refuses an asset it cannot give a content type', () => {
    expect(() => createExplorerSite([{ name: 'logo.png', text: '' }], 'Explorer')).toThrow(/logo\.png/);
  });
});

describe('answers', () => {
  const bundle = site.assetNames.get('ui-bundle.js')!;

  it('serves the page as HTML under the strict CSP, revalidated on every load', () => {
    const response = site.respond({});
    expect(response.statusCode).toBe(200);
    expect(response.rawBody).toEqual({ text: site.page, isBase64Encoded: false });
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-security-policy': EXPLORER_CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
  });

  it('allows scripts, styles and connections to its own origin only, and no framing', () => {
    const directives = Object.fromEntries(EXPLORER_CONTENT_SECURITY_POLICY.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)]));
    expect(directives).toMatchObject({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'connect-src': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(EXPLORER_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|\*/);
  });

  it('serves each asset with its content type, cached for a year as immutable', () => {
    const script = site.respond({ file: bundle });
    expect(script.rawBody).toEqual({ text: ASSETS[1]!.text, isBase64Encoded: false });
    expect(script.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'content-security-policy': EXPLORER_CONTENT_SECURITY_POLICY,
    });
    expect(site.respond({ file: site.assetNames.get('ui.css')! }).headers).toMatchObject({ 'content-type': 'text/css; charset=utf-8' });
  });

  it('gzips what is worth it when gzip is accepted, and not when it is refused with q=0', () => {
    const gzipped = site.respond({ file: bundle, acceptEncoding: 'br, gzip;q=0.8' });
    expect(gzipped.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding' });
    expect(gzipped.rawBody!.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(gzipped.rawBody!.text, 'base64')).toString('utf8')).toBe(ASSETS[1]!.text);

    const refused = site.respond({ file: bundle, acceptEncoding: 'gzip;q=0, deflate' });
    expect(refused.headers!['content-encoding']).toBeUndefined();
    expect(refused.rawBody).toEqual({ text: ASSETS[1]!.text, isBase64Encoded: false });
    // A few bytes are not worth a gzip round.
    expect(site.respond({ file: site.assetNames.get('start.js')!, acceptEncoding: 'gzip' }).headers!['content-encoding']).toBeUndefined();
  });

  it('answers 304 without a body to a matching If-None-Match', () => {
    const { etag } = site.respond({ file: bundle }).headers!;
    const notModified = site.respond({ file: bundle, ifNoneMatch: `"other", W/${etag}` });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.rawBody!.text).toBe('');
    expect(site.respond({ file: bundle, ifNoneMatch: '"other"' }).statusCode).toBe(200);
    expect(site.respond({ ifNoneMatch: site.respond({}).headers!.etag }).statusCode).toBe(304);
  });

  it('does not know an asset by its source name or any other name', () => {
    expect(() => site.respond({ file: 'ui-bundle.js' })).toThrow(NotFoundError);
    expect(() => site.respond({ file: '../openapi.json' })).toThrow(NotFoundError);
  });
});
