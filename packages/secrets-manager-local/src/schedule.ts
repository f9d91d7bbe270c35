import { CronExpressionParser } from 'cron-parser';
import { invalidParameter } from './errors.js';
import type { RotationRules, SecretRecord } from './store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RATE = /^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$/;
const CRON = /^cron\((.+)\)$/;
const DURATION = /^(\d{1,2})h$/;

/** Validates RotationRules as RotateSecret does; returns the normalised rules. */
export function validateRotationRules(rules: RotationRules): RotationRules {
  if (rules.automaticallyAfterDays !== undefined && rules.scheduleExpression !== undefined) {
    throw invalidParameter(
      'You can specify either AutomaticallyAfterDays or ScheduleExpression in RotationRules, but not both.',
    );
  }
  if (rules.duration !== undefined) {
    const match = DURATION.exec(rules.duration);
    const hours = match ? Number(match[1]) : Number.NaN;
    if (!(hours >= 1 && hours <= 24)) {
      throw invalidParameter(
        `Invalid Duration ${rules.duration}: use the format Nh with N between 1 and 24 hours.`,
      );
    }
  }
  if (rules.scheduleExpression !== undefined) parseSchedule(rules.scheduleExpression);
  return rules;
}

type Schedule = { kind: 'interval'; ms: number } | { kind: 'cron'; expression: string };

function parseSchedule(expression: string): Schedule {
  const rate = RATE.exec(expression);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2]!.startsWith('hour') ? HOUR_MS : DAY_MS;
    if (unit === HOUR_MS && (amount < 4 || amount > 23)) {
      throw invalidParameter(
        `Invalid ScheduleExpression ${expression}: a rate in hours must be 4 to 23 hours.`,
      );
    }
    if (unit === DAY_MS && (amount < 1 || amount > 1000)) {
      throw invalidParameter(
        `Invalid ScheduleExpression ${expression}: a rate in days must be 1 to 1000 days.`,
      );
    }
    return { kind: 'interval', ms: amount * unit };
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) {
      throw invalidParameter(
        `Invalid ScheduleExpression ${expression}: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year).`,
      );
    }
    const [minutes, hours, dayOfMonth, month, dayOfWeek] = fields as [
      string,
      string,
      string,
      string,
      string,
    ];
    // AWS numbers days of the week 1-7 from Sunday; cron-parser numbers them 0-6.
    const dow = dayOfWeek.replace(
      /(^|[^#\d])([1-7])(?!\d)/g,
      (_, before: string, day: string) => `${before}${Number(day) - 1}`,
    );
    const converted = [
      minutes,
      hours,
      dayOfMonth.replace('?', '*'),
      month,
      dow.replace('?', '*'),
    ].join(' ');
    try {
      CronExpressionParser.parse(converted, { tz: 'UTC' });
    } catch (cause) {
      throw invalidParameter(
        `Invalid ScheduleExpression ${expression}: ${cause instanceof Error ? cause.message : 'unparseable cron expression'}.`,
      );
    }
    return { kind: 'cron', expression: converted };
  }
  throw invalidParameter(
    `Invalid ScheduleExpression ${expression}: use rate(N days), rate(N hours) or cron(...).`,
  );
}

/**
 * When the next scheduled rotation is due: an interval counts from the last rotation (or
 * from `from` when never rotated); a cron schedule is its next occurrence after `now`.
 */
export function nextRotationDate(
  rules: RotationRules | undefined,
  from: number,
  now: number,
): number | undefined {
  if (rules === undefined) return undefined;
  if (rules.automaticallyAfterDays !== undefined)
    return from + rules.automaticallyAfterDays * DAY_MS;
  if (rules.scheduleExpression === undefined) return undefined;
  const schedule = parseSchedule(rules.scheduleExpression);
  if (schedule.kind === 'interval') return from + schedule.ms;
  return CronExpressionParser.parse(schedule.expression, { tz: 'UTC', currentDate: new Date(now) })
    .next()
    .getTime();
}

/** Sets the secret's NextRotationDate from its rules, or clears it when they schedule nothing. */
export function reschedule(secret: SecretRecord, from: number, now: number): void {
  const next = nextRotationDate(secret.rotationRules, from, now);
  if (next === undefined) delete secret.nextRotationDate;
  else secret.nextRotationDate = next;
}
