import { describe, expect, it } from 'vitest';
import { classifyNetworkError, mysqlErrnoStatus } from '../src/live/classify.js';

const server = (errno: number) => Object.assign(new Error('server said no'), { errno });

// netcheck's statuses on @rotakit/engine-mysql's vocabulary: a refusal of the account means
// the server answered, so the path works; a blocked host is network-class.
describe('MySQL errnos as probe statuses', () => {
  it.each([
    [1045, 'access-denied'],
    [1698, 'access-denied'],
    [1044, 'access-denied'],
    [1130, 'access-denied'],
    [1129, 'blocked'],
    [1040, 'throttled'],
    [1203, 'throttled'],
    [1226, 'throttled'],
  ])('errno %i is %s, in a greeting and in a thrown error', (errno, status) => {
    expect(mysqlErrnoStatus(errno)).toBe(status);
    expect(classifyNetworkError(server(errno)).status).toBe(status);
  });

  it('has no status for errnos that are not about reaching the server', () => {
    // A locked or expired account says nothing about the password: not access-denied.
    for (const errno of [1049, 1064, 3159, 3118, 3955, 4150, 4151, 1862, 1820]) {
      expect(mysqlErrnoStatus(errno)).toBeUndefined();
      expect(classifyNetworkError(server(errno)).status).toBe('error');
    }
  });

  it('counts only the blocked host as network-class', () => {
    expect(classifyNetworkError(server(1129)).network).toBe(true);
    expect(classifyNetworkError(server(1045)).network).toBe(false);
  });
});
