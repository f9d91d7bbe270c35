#!/usr/bin/env node
// A committed stub, so that `pnpm install` can link the bin before anything is built.
await import('../dist/cli.js');
