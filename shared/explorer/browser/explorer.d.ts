/**
 * explorer.js is browser code that the explorer's function imports as text (`with { type: 'text' }`,
 * bundled by esbuild) and serves; it is never imported as a module.
 */
declare const source: string;
export default source;
