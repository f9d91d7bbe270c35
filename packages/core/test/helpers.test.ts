import { describe, expect, it } from 'vitest';
import { RotakitError } from '../src/errors/rotakit-error.js';
import { isRotationStep, ROTATION_STEPS } from '../src/rotation/event.js';
import { definedOnly } from '../src/util/defined.js';

describe('definedOnly', () => {
  it('drops undefined keys and keeps falsy values', () => {
    const out = definedOnly({ a: undefined, b: 0, c: '', d: null, e: false });
    expect(out).toEqual({ b: 0, c: '', d: null, e: false });
    expect(Object.keys(out)).toEqual(['b', 'c', 'd', 'e']);
  });
});

describe('RotakitError', () => {
  it('forwards the cause and has a literal name', () => {
    const cause = new Error('inner');
    const error = new RotakitError('outer', { cause });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('RotakitError');
    expect('cause' in new RotakitError('no cause')).toBe(false);
  });
});

describe('rotation steps', () => {
  it('lists the four steps in service order and recognises only them', () => {
    expect(ROTATION_STEPS).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect(Object.isFrozen(ROTATION_STEPS)).toBe(true);
    expect(isRotationStep('testSecret')).toBe(true);
    expect(isRotationStep('test_secret')).toBe(false);
    expect(isRotationStep(undefined)).toBe(false);
  });
});
