import { describe, expect, test } from 'vitest';
import { ServiceError } from '../src/errors.js';
import { nextRotationDate, validateRotationRules } from '../src/schedule.js';

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso).getTime();

describe('rotation schedules', () => {
  test('AutomaticallyAfterDays and rate() count from the last rotation', () => {
    const from = at('2030-01-01T00:00:00Z');
    expect(nextRotationDate({ automaticallyAfterDays: 30 }, from, from)).toBe(from + 30 * DAY);
    expect(nextRotationDate({ scheduleExpression: 'rate(1 day)' }, from, from)).toBe(from + DAY);
    expect(nextRotationDate({ scheduleExpression: 'rate(6 hours)' }, from, from)).toBe(
      from + 6 * 3_600_000,
    );
    expect(nextRotationDate(undefined, from, from)).toBeUndefined();
  });

  test('cron() uses AWS field order and day-of-week numbering (1 = Sunday)', () => {
    const now = at('2030-01-01T12:00:00Z'); // Tuesday
    const next = (expr: string) =>
      new Date(nextRotationDate({ scheduleExpression: expr }, now, now)!).toISOString();
    expect(next('cron(0 16 ? * 1 *)')).toBe('2030-01-06T16:00:00.000Z'); // Sunday
    expect(next('cron(0 16 ? * 7 *)')).toBe('2030-01-05T16:00:00.000Z'); // Saturday
    expect(next('cron(0 16 ? * MON-FRI *)')).toBe('2030-01-01T16:00:00.000Z');
    expect(next('cron(30 4 1 * ? *)')).toBe('2030-02-01T04:30:00.000Z');
    expect(next('cron(0 8 ? * 3#2 *)')).toBe('2030-01-08T08:00:00.000Z'); // 2nd Tuesday
  });

  test.each([
    [{ automaticallyAfterDays: 1, scheduleExpression: 'rate(1 day)' }],
    [{ scheduleExpression: 'rate(3 hours)' }],
    [{ scheduleExpression: 'rate(0 days)' }],
    [{ scheduleExpression: 'cron(0 12 * * ?)' }],
    [{ scheduleExpression: 'cron(99 12 * * ? *)' }],
    [{ scheduleExpression: 'at(2030-01-01T00:00:00)' }],
    [{ duration: '0h' }],
    [{ duration: '25h' }],
    [{ duration: '3d' }],
  ])('%j is InvalidParameterException', (rules) => {
    let error: unknown;
    try {
      validateRotationRules(rules);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).type).toBe('InvalidParameterException');
  });
});
