/**
 * Row 1, bundle size: every serverless.yml function bundled with its `custom.esbuild` options
 * (all dependencies in), against the official SDK entries bundled the same way: pop-core alone
 * (bench/anchors/popCore.ts) and the Tea SDK core (bench/anchors/teaSdk.ts).
 */
import { bytesByPackage, functionsFromServerlessYml, topInputs } from '../lib/build.ts';
import { LIKE_FOR_LIKE, type Row } from '../lib/context.ts';
import type { Figure } from '../lib/figures.ts';
import { formatValue } from '../lib/table.ts';

const POP_CORE = 'pop-core alone';
const TEA = 'Tea SDK (openapi-client)';

export const bundleRow: Row = {
  id: 'bundle',
  title: 'Bundle size',
  async run(context) {
    const functions = functionsFromServerlessYml(context.root);
    context.log(`bundle: building ${functions.map((fn) => fn.name).join(', ')} and the two anchors`);
    const [popCore, tea] = await Promise.all([context.bundle('popCore'), context.bundle('teaSdk')]);
    const figures: Figure[] = [];
    const details: string[] = [];
    const data: Record<string, unknown> = { anchors: { popCore: { bytes: popCore.bytes, gzip: popCore.gzipBytes }, teaSdk: { bytes: tea.bytes, gzip: tea.gzipBytes } } };
    const sizes: Record<string, unknown> = {};
    for (const fn of functions) {
      try {
        const bundle = await context.bundle(fn.name);
        sizes[fn.name] = { bytes: bundle.bytes, gzip: bundle.gzipBytes, packages: bytesByPackage(bundle).slice(0, 10) };
        const isPlaceCall = fn.name === 'placeCall';
        figures.push({
          row: 'bundle',
          name: `Bundle ${fn.name} (minified)`,
          value: bundle.bytes,
          unit: 'bytes',
          anchor: { name: POP_CORE, value: popCore.bytes },
          ...(isPlaceCall ? { target: { of: 'ratio', op: '<=', threshold: 1 } as const } : {}),
          ...(isPlaceCall
            ? {
                note:
                  `esbuild with serverless.yml custom.esbuild (bundle, minify, keepNames, node20, ESM), every dependency bundled. ` +
                  `gzip -9: ours ${formatValue(bundle.gzipBytes, 'bytes')}, pop-core ${formatValue(popCore.gzipBytes, 'bytes')}, Tea ${formatValue(tea.gzipBytes, 'bytes')}. ` +
                  `Largest packages: ${bytesByPackage(bundle)
                    .slice(0, 4)
                    .map((entry) => `${entry.name} ${formatValue(entry.bytes, 'bytes')}`)
                    .join(', ')}.`,
              }
            : {}),
        });
        const like = LIKE_FOR_LIKE[fn.name];
        if (like) {
          const anchor = await context.bundle(like);
          figures.push({
            row: 'bundle',
            name: `Bundle ${fn.name} [like for like]`,
            value: bundle.bytes,
            unit: 'bytes',
            anchor: { name: 'official clients, same work', value: anchor.bytes },
            target: { of: 'ratio', op: '<=', threshold: 1 },
            ...(isPlaceCall
              ? {
                  note:
                    'The anchors of bench/anchors/likeForLike/ (pop-core, @alicloud/mns and @aws-sdk/client-dynamodb with its defaults, doing the function\'s Alibaba and DynamoDB work) bundled with the same options. ' +
                    `gzip -9: ours ${formatValue(bundle.gzipBytes, 'bytes')}, anchor ${formatValue(anchor.gzipBytes, 'bytes')}.`,
                }
              : {}),
          });
        }
        if (isPlaceCall) {
          figures.push({ row: 'bundle', name: 'Bundle placeCall vs Tea SDK', value: bundle.bytes, unit: 'bytes', anchor: { name: TEA, value: tea.bytes } });
          details.push(
            "placeCall's 5 largest inputs (esbuild metafile, bytes in the minified output):",
            ...topInputs(bundle, 5).map((input) => `- ${input.path}: ${formatValue(input.bytes, 'bytes')}`),
          );
        }
      } catch (error) {
        figures.push({ row: 'bundle', name: `Bundle ${fn.name}`, error: error instanceof Error ? error.message : String(error) });
      }
    }
    data.functions = sizes;
    return { figures, details, data };
  },
};
