#!/usr/bin/env node
// A committed stub, so that `pnpm install` can link the bin before anything is built.
// The SDK's Node 20 support notice is the docs' job (docs/node-versions.md), not every
// command's output; a user's own setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import('../dist/cli.js');
