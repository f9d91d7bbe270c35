import { errorClassesOf, nameAfterMinifying } from '@rotakit/testing';
import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';

// A bundled copy of these helpers may be minified: a name taken from the class would show
// as `t`. Every class must carry its name as a literal.
const ARGS: Record<string, unknown[]> = {
  TemplateSnapshotError: ['RotationFunction', 'has no VpcConfig'],
};

describe('infra example error classes', () => {
  const classes = errorClassesOf(errors);

  it('finds the error classes', () => {
    expect(classes.map(([name]) => name)).toEqual(['InfraTemplateError', 'TemplateSnapshotError']);
  });

  it.each(classes)('%s keeps its literal name when a bundler renames the class', (name, cls) => {
    expect(cls.name).toBe(name);
    expect(nameAfterMinifying(cls, ARGS[name] ?? ['message'])).toBe(name);
  });
});
