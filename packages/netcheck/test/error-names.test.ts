import { errorClassesOf, nameAfterMinifying } from '@rotakit/testing';
import { describe, expect, it } from 'vitest';
import * as netcheck from '../src/index.js';

// The example Lambdas bundle netcheck with `minify: true`: a name taken from the class
// (`new.target.name`) logs as `t` there. Every class must carry its name as a literal.
const ARGS: Record<string, unknown[]> = {
  InvalidOptionError: ['Invalid option `timeoutMs`: must be a number', { option: 'timeoutMs' }],
  InvalidSnapshotError: [
    'Invalid snapshot field `subnets`: must be an array',
    { field: 'subnets' },
  ],
  SnapshotCollectionError: [
    'collectSnapshot: DescribeSubnets failed',
    { operation: 'DescribeSubnets', cause: new Error('throttled') },
  ],
};

describe('@rotakit/netcheck error classes', () => {
  const classes = errorClassesOf(netcheck);

  it('finds the exported error classes', () => {
    expect(classes.map(([name]) => name)).toEqual(
      expect.arrayContaining(['NetcheckError', ...Object.keys(ARGS)]),
    );
  });

  it.each(classes)('%s keeps its literal name when a bundler renames the class', (name, cls) => {
    expect(cls.name).toBe(name);
    expect(nameAfterMinifying(cls, ARGS[name] ?? ['message'])).toBe(name);
  });
});
