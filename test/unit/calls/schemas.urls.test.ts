/**
 * Template variables must not hold URLs (Alibaba refuses them with isv.PARAM_NOT_SUPPORT_URL,
 * docs/alibaba/errors.md#voice-business-codes): what POST /calls accepts and refuses, seen through
 * the request schema, whatever the check inside looks like. Three shapes count as a URL: a scheme
 * (`http://`), `www.`, and a bare domain under a common top-level domain (`taobao.com`).
 */
import { describe, expect, it } from 'vitest';
import { placeCallRequestSchema } from '#shared/calls/schemas';
import { bodyOf } from './requests.ts';

const NO_URLS = 'must not contain URLs (Alibaba rejects them: isv.PARAM_NOT_SUPPORT_URL)';

/** The messages of the issues a tts body with these variables gets (none when accepted). */
function ttsParamIssues(ttsParam: Record<string, unknown>): string[] {
  const result = placeCallRequestSchema.safeParse(bodyOf('tts', { ttsParam }));
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

describe('template variables: no URLs', () => {
  it.each([
    // Bare domains: a label, a dot and one of the common top-level domains, in either case.
    'taobao.com',
    'shop.taobao.com',
    'Visit TAOBAO.COM today',
    'qq.cn',
    'li@example.net',
    'example.org/path',
    'x.io',
    'a-b.vip',
    '3.top',
    'site.xyz.',
    'tel:news.info',
    'go.me',
    'x.cc',
    // www. and schemes.
    'www.example',
    'WWW.EXAMPLE',
    'http://10.0.0.1',
    'see https://x',
    'ftp://files',
    'svn+ssh://host',
    'x://y',
  ])('refuses %j', (value) => {
    expect(ttsParamIssues({ name: value })).toContain(NO_URLS);
  });

  it.each([
    'TTS_123',
    'Li Lei',
    '1234',
    '12.50',
    'v1.2.3',
    'node.js',
    'a.comb',
    'foo.company',
    'com.cn_',
    'www',
    'x:/y',
    '1://x',
    '://x',
    'a ://b',
    '李雷.公司',
  ])('accepts %j', (value) => {
    expect(ttsParamIssues({ name: value })).toEqual([]);
  });

  it('checks every value, not only the first, and numbers and booleans as text', () => {
    expect(ttsParamIssues({ a: 'Li', b: 'taobao.com' })).toContain(NO_URLS);
    expect(ttsParamIssues({ a: 12.5, b: true, c: 'Li' })).toEqual([]);
  });
});
