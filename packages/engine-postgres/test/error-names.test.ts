import { errorClassesOf, nameAfterMinifying } from '@rotakit/testing';
import { describe, expect, it } from 'vitest';
import * as enginePostgres from '../src/index.js';

// rotation-core's and secret-pool's bundles are minified: a name taken from the class
// (`new.target.name`) would log as `t` there. Every class must carry its name as a literal.
const ARGS: Record<string, unknown[]> = {
  PostgresInputError: [
    'Cannot quote the identifier: it is empty',
    { input: 'identifier', problem: 'is empty' },
  ],
};

describe('@rotakit/engine-postgres error classes', () => {
  const classes = errorClassesOf(enginePostgres);

  it('finds the exported error classes', () => {
    expect(classes.map(([name]) => name)).toEqual(Object.keys(ARGS));
  });

  it.each(classes)('%s keeps its literal name when a bundler renames the class', (name, cls) => {
    expect(cls.name).toBe(name);
    expect(nameAfterMinifying(cls, ARGS[name] ?? ['message'])).toBe(name);
  });
});
