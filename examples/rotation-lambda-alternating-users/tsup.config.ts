import { defineConfig } from 'tsup';

// One ESM file for the Lambda Node.js runtimes nodejs22.x and nodejs24.x: everything bundled
// except the AWS SDK v3, which the runtime ships (and ESM handlers can import from Node 18 on).
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: 'esm',
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  splitting: false,
  clean: true,
  dts: false,
  external: [/^@aws-sdk\//, /^@smithy\//],
  noExternal: [/^(?!@aws-sdk\/|@smithy\/)/],
  // mysql2 is CommonJS and calls require() for Node built-ins; ESM output has no require.
  banner: {
    js: "import { createRequire as __rotakitCreateRequire } from 'node:module'; const require = __rotakitCreateRequire(import.meta.url);",
  },
});
