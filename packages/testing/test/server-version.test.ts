import { describe, expect, it } from 'vitest';
import { parseServerVersion } from '../src/index.js';

describe('parseServerVersion', () => {
  it.each([
    [
      'mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)',
      '10.11.19',
    ],
    ['/usr/sbin/mariadbd  Ver 11.4.2-MariaDB-ubu2404 for debian-linux-gnu on x86_64', '11.4.2'],
    ['/usr/sbin/mysqld  Ver 8.0.36-0ubuntu0.22.04.1 for Linux on x86_64 ((Ubuntu))', '8.0.36'],
    ['mysqld  Ver 8.4.2 for Linux on x86_64 (MySQL Community Server - GPL)', '8.4.2'],
    ['mysqld  Ver 10.3.39-MariaDB-0+deb10u2 for debian-linux-gnu on x86_64', '10.3.39'],
    ['mysqld Distrib 5.7.44, for Linux (x86_64)', '5.7.44'],
  ])('%s -> %s', (line, version) => {
    expect(parseServerVersion(line)).toBe(version);
  });

  it('returns a line without a version number trimmed, as it is', () => {
    expect(parseServerVersion('  some server  \n')).toBe('some server');
  });
});
