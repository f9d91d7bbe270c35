/*
 * A SCRAM-SHA-256 verifier (RFC 5802, RFC 7677) in the form PostgreSQL stores in
 * pg_authid.rolpassword. `ALTER ROLE ... PASSWORD '<verifier>'` stores it as given, so the
 * clear password never reaches the server: not its log (log_statement), not
 * pg_stat_statements, not a replica's WAL.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { PostgresInputError } from './errors.js';

export interface ScramVerifierOptions {
  /**
   * PBKDF2 iterations. pg (node-postgres) refuses more than 100,000 at login unless its
   * `scramMaxIterations` is raised.
   * @default 4096 (PostgreSQL's scram_iterations default)
   */
  iterations?: number | undefined;
  /** The salt; give one only to reproduce a verifier. @default 16 random bytes, as PostgreSQL */
  salt?: Uint8Array | undefined;
}

const DEFAULT_ITERATIONS = 4096;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * The SCRAM-SHA-256 verifier of a password, exactly what PostgreSQL would store for
 * `PASSWORD '<password>'` with `password_encryption = scram-sha-256` (given the same salt):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64. Throws a
 * `PostgresInputError` for a password that cannot be hashed exactly (see the README: empty,
 * NUL, lone surrogates, or non-ASCII text that SASLprep would change).
 *
 * @example
 * const verifier = scramSha256Verifier(newPassword);
 * await client.query(`ALTER ROLE ${quoteIdentifier(user)} PASSWORD ${quoteLiteral(verifier)}`);
 */
export function scramSha256Verifier(password: string, options: ScramVerifierOptions = {}): string {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const salt = Buffer.from(options.salt ?? randomBytes(SALT_BYTES));
  checkOptions(iterations, salt);
  const salted = pbkdf2Sync(
    Buffer.from(saslPrepared(password), 'utf8'),
    salt,
    iterations,
    KEY_BYTES,
    'sha256',
  );
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = hmac(salted, 'Server Key');
  const b64 = (bytes: Buffer) => bytes.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function checkOptions(iterations: number, salt: Buffer): void {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 2_147_483_647) {
    refuseOption('iterations must be an integer from 1 to 2147483647');
  }
  if (salt.length === 0) refuseOption('salt must not be empty');
}

// RFC 3454 tables C.1.2 (non-ASCII spaces, mapped to a space) and B.1 (mapped to nothing),
// as [first, last] code points.
const SASLPREP_MAPPED: readonly (readonly [number, number])[] = [
  [0x00a0, 0x00a0],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x1680, 0x1680],
  [0x1806, 0x1806],
  [0x180b, 0x180d],
  [0x2000, 0x200d],
  [0x202f, 0x202f],
  [0x205f, 0x2060],
  [0x3000, 0x3000],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
];

function hasSaslPrepMapping(text: string): boolean {
  for (const char of text) {
    const point = char.codePointAt(0) ?? 0;
    if (SASLPREP_MAPPED.some(([first, last]) => point >= first && point <= last)) return true;
  }
  return false;
}

/**
 * The password PostgreSQL hashes. Its SASLprep (src/common/saslprep.c) leaves ASCII as it
 * is; for other text, whether it uses the prepared form or the original depends on tables of
 * prohibited, unassigned (Unicode 3.2) and bidirectional characters, and clients differ too
 * (libpq follows the server; pg 8 maps and normalizes, older pg did not). So a non-ASCII
 * password is hashed only when SASLprep would not change it, which makes every reading agree.
 */
function saslPrepared(password: string): string {
  if (password === '') refusePassword('is empty');
  if (password.includes('\0')) refusePassword('contains a NUL character');
  if (Buffer.from(password, 'utf8').toString('utf8') !== password) {
    refusePassword('contains a lone UTF-16 surrogate (it has no UTF-8 form)');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is the whole range
  if (/^[\x00-\x7F]*$/.test(password)) return password;
  if (hasSaslPrepMapping(password) || password.normalize('NFKC') !== password) {
    refusePassword(
      'is non-ASCII text that SASLprep would change (spaces, ignorable characters or NFKC forms)',
    );
  }
  return password;
}

function refusePassword(problem: string): never {
  throw new PostgresInputError(`Cannot make a SCRAM verifier: the password ${problem}`, {
    input: 'password',
    problem,
  });
}

function refuseOption(problem: string): never {
  throw new PostgresInputError(`Cannot make a SCRAM verifier: ${problem}`, {
    input: 'option',
    problem,
  });
}
