// Validation of a function given by its deployment artifact: every bad option is named.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/index.js';
import { type LambdaFunctionDefinition, resolveLambdaFunction } from '../src/lambda/definition.js';

const work = mkdtempSync(join(tmpdir(), 'rotakit-lambda-definition-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A code directory with an aws-lambda-ric of the given layout installed next to it. */
function codeDirectoryWithClient(name: string, bin: unknown): string {
  const dir = join(work, name);
  const client = join(dir, 'node_modules', 'aws-lambda-ric');
  mkdirSync(client, { recursive: true });
  writeFileSync(join(client, 'package.json'), JSON.stringify({ name: 'aws-lambda-ric', bin }));
  return dir;
}

const codeDirectory = codeDirectoryWithClient('fn', { 'aws-lambda-ric': 'bin/index.mjs' });

function optionOf(definition: Partial<LambdaFunctionDefinition>): string | undefined {
  try {
    resolveLambdaFunction({ codeDirectory, handler: 'index.handler', ...definition });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return (error as InvalidOptionError).option;
  }
  return undefined;
}

describe('resolveLambdaFunction', () => {
  it('finds aws-lambda-ric from the code directory and fills Lambda defaults', () => {
    const resolved = resolveLambdaFunction({ codeDirectory, handler: 'index.handler' });
    expect(resolved).toMatchObject({
      codeDirectory,
      handler: 'index.handler',
      runtimeEntry: join(codeDirectory, 'node_modules', 'aws-lambda-ric', 'bin', 'index.mjs'),
      memorySizeMb: 128,
      initTimeoutMs: 10_000,
      nodeExecutable: process.execPath,
      nodeMajorVersion: Number(process.versions.node.split('.')[0]),
      environment: {},
    });
    expect(resolved.timeoutMs).toBeUndefined();
  });

  it('takes a runtimeClient folder whose bin is a plain string (the 4.x layout)', () => {
    const other = codeDirectoryWithClient('v4', 'index.mjs');
    const client = join(other, 'node_modules', 'aws-lambda-ric');
    expect(
      resolveLambdaFunction({ codeDirectory, handler: 'index.handler', runtimeClient: client })
        .runtimeEntry,
    ).toBe(join(client, 'index.mjs'));
  });

  it.each([
    ['codeDirectory', { codeDirectory: join(work, 'missing') }],
    ['codeDirectory', { codeDirectory: '' }],
    ['handler', { handler: 'index' }],
    ['handler', { handler: '.handler' }],
    ['environment', { environment: { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:1' } }],
    ['environment', { environment: { _HANDLER: 'x.y' } }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['memorySizeMb', { memorySizeMb: 64 }],
    ['memorySizeMb', { memorySizeMb: 10_241 }],
    ['initTimeoutMs', { initTimeoutMs: -1 }],
    ['runtimeClient', { runtimeClient: join(work, 'nowhere') }],
    ['nodeExecutable', { nodeExecutable: join(work, 'no-node') }],
    ['logSink', { logSink: 'stderr' as never }],
  ])('names %s when it is wrong', (option, definition) => {
    expect(optionOf(definition as Partial<LambdaFunctionDefinition>)).toBe(option);
  });

  it('says how to install aws-lambda-ric when none is found', () => {
    const bare = join(work, 'bare');
    mkdirSync(bare);
    expect(() => resolveLambdaFunction({ codeDirectory: bare, handler: 'index.handler' })).toThrow(
      /npm install --save-dev aws-lambda-ric, or pass the folder of one as runtimeClient/,
    );
  });
});
