/**
 * Files the explorer's function imports as text (`with { type: 'text' }`): esbuild inlines each
 * as a string in the function's bundle.
 */
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const source: string;
  export default source;
}

declare module '*.css' {
  const source: string;
  export default source;
}
