/**
 * The few PostgreSQL frontend/backend protocol (3.0) messages a greeting probe exchanges: the
 * SSLRequest and its one-byte answer, the StartupMessage, and the server's first message
 * after it (an authentication request or an ErrorResponse). PostgreSQL documentation,
 * "Frontend/Backend Protocol": "Message Flow" and "Message Formats".
 */

/** What the server's first message after the StartupMessage says. */
export type PostgresGreeting =
  | {
      kind: 'auth';
      /** The authentication request: `ok` means no password is asked for (trust, peer, cert). */
      request: PostgresAuthRequest;
      /** The SASL mechanisms offered (`SCRAM-SHA-256`, `SCRAM-SHA-256-PLUS`). */
      saslMechanisms?: string[];
    }
  | {
      kind: 'error';
      /** The SQLSTATE, such as `28000` (no pg_hba.conf entry) or `57P03` (starting up). */
      sqlState: string;
      /** The non-localized severity (`FATAL`) when the server sends it, else the localized one. */
      severity?: string;
      message: string;
    }
  | {
      kind: 'unknown';
      firstBytes: string;
      /** Which rule of the protocol the bytes broke; never quotes their contents. */
      problem: string;
    };

export type PostgresAuthRequest =
  | 'ok'
  | 'kerberos-v5'
  | 'cleartext'
  | 'md5'
  | 'gss'
  | 'sspi'
  | 'sasl';

/** The authentication codes a server's first request can carry, with their fixed lengths. */
const AUTH_REQUESTS: ReadonlyMap<number, { request: PostgresAuthRequest; length?: number }> =
  new Map([
    [0, { request: 'ok', length: 8 }],
    [2, { request: 'kerberos-v5', length: 8 }],
    [3, { request: 'cleartext', length: 8 }],
    [5, { request: 'md5', length: 12 }],
    [7, { request: 'gss', length: 8 }],
    [9, { request: 'sspi', length: 8 }],
    [10, { request: 'sasl' }],
  ]);

const SSL_REQUEST_CODE = 80_877_103;
const PROTOCOL_3_0 = 196_608;

/**
 * The largest first message a server sends: an authentication request is at most a few
 * dozen bytes, an ErrorResponse a few hundred. A longer declared length is another protocol
 * (or junk) whose bytes happen to start with `R` or `E`.
 */
export const MAX_FIRST_MESSAGE_LENGTH = 8192;

/** The 8-byte SSLRequest. */
export function sslRequest(): Buffer {
  const message = Buffer.alloc(8);
  message.writeInt32BE(8, 0);
  message.writeInt32BE(SSL_REQUEST_CODE, 4);
  return message;
}

/** A protocol 3.0 StartupMessage with the given parameters (user, database, ...). */
export function startupMessage(parameters: Readonly<Record<string, string>>): Buffer {
  const pairs = Object.entries(parameters).flat();
  const body = Buffer.from(`${pairs.join('\0')}\0\0`, 'utf8');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + body.length, 0);
  header.writeInt32BE(PROTOCOL_3_0, 4);
  return Buffer.concat([header, body]);
}

/**
 * Why the bytes received for the SSLRequest cannot be a PostgreSQL answer, or undefined for
 * a valid one (`S` or `N`, and nothing after it: a server must not send more before the TLS
 * handshake or the StartupMessage, and bytes sent early could be injected, CVE-2021-23222).
 */
export function sslResponseProblem(bytes: Buffer): string | undefined {
  const answer = bytes[0];
  if (answer === undefined) return 'no answer to the SSLRequest';
  if (answer !== 0x53 /* S */ && answer !== 0x4e /* N */) {
    return `answered the SSLRequest with 0x${hex(answer)}, neither 'S' nor 'N'`;
  }
  if (bytes.length > 1) {
    return `sent ${bytes.length - 1} more bytes after its one-byte SSLRequest answer`;
  }
  return undefined;
}

/** Bytes needed for the first message: type byte + its length; undefined until that is in. */
export function firstMessageLength(buffer: Buffer): number | undefined {
  if (buffer.length < 5) return undefined;
  return 1 + buffer.readUInt32BE(1);
}

/**
 * Why the bytes received so far cannot start a server's first message, or undefined while
 * they still can. Needs only the type byte and the length, so a reader can stop at once on a
 * peer that speaks another protocol.
 */
export function firstMessageProblem(buffer: Buffer): string | undefined {
  const type = buffer[0];
  if (type === undefined) return undefined;
  if (type !== 0x52 /* R */ && type !== 0x45 /* E */) {
    return `message type 0x${hex(type)} is neither an authentication request ('R') nor an ErrorResponse ('E')`;
  }
  if (buffer.length < 5) return undefined;
  const length = buffer.readUInt32BE(1);
  if (length < 8) return `declares a ${length}-byte message, too short for its type`;
  if (length > MAX_FIRST_MESSAGE_LENGTH) {
    return `declares a ${length}-byte message, more than a first message's ${MAX_FIRST_MESSAGE_LENGTH}`;
  }
  return undefined;
}

/** A message that breaks the wire format; caught inside parseGreeting. */
class MalformedMessage extends Error {
  override readonly name = 'MalformedMessage';
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/** NUL-terminated strings from `body`, up to the empty one that ends the list. */
function cStrings(body: Buffer, field: string): string[] {
  const strings: string[] = [];
  let offset = 0;
  for (;;) {
    const end = body.indexOf(0, offset);
    if (end === -1) throw new MalformedMessage(`the ${field} is not NUL-terminated`);
    if (end === offset) break;
    strings.push(body.toString('utf8', offset, end));
    offset = end + 1;
  }
  if (offset + 1 !== body.length) {
    throw new MalformedMessage(`${body.length - offset - 1} bytes follow the ${field}`);
  }
  return strings;
}

function parseAuthRequest(body: Buffer, length: number): PostgresGreeting {
  const code = body.readUInt32BE(0);
  const known = AUTH_REQUESTS.get(code);
  if (!known) throw new MalformedMessage(`authentication code ${code} cannot start a login`);
  if (known.length !== undefined && length !== known.length) {
    throw new MalformedMessage(
      `a ${known.request} request of ${length} bytes, expected ${known.length}`,
    );
  }
  if (known.request !== 'sasl') return { kind: 'auth', request: known.request };
  const mechanisms = cStrings(body.subarray(4), 'SASL mechanism list');
  if (mechanisms.length === 0) throw new MalformedMessage('the SASL request names no mechanism');
  if (!mechanisms.every((m) => /^[A-Z0-9-]{1,64}$/.test(m))) {
    throw new MalformedMessage('a SASL mechanism name is not a mechanism name');
  }
  return { kind: 'auth', request: 'sasl', saslMechanisms: mechanisms };
}

/** ErrorResponse: fields of a type byte and a NUL-terminated string, ended by a NUL. */
function parseErrorResponse(body: Buffer): PostgresGreeting {
  const fields = new Map<string, string>();
  for (const field of cStrings(body, 'ErrorResponse fields')) {
    fields.set(field[0] as string, field.slice(1));
  }
  const sqlState = fields.get('C');
  if (sqlState === undefined || !/^[0-9A-Z]{5}$/.test(sqlState)) {
    throw new MalformedMessage('the ErrorResponse has no valid SQLSTATE (field C)');
  }
  const severity = fields.get('V') ?? fields.get('S');
  return {
    kind: 'error',
    sqlState,
    ...(severity ? { severity } : {}),
    message: fields.get('M') ?? '',
  };
}

function checkFrame(message: Buffer): { type: number; body: Buffer; length: number } {
  const problem = firstMessageProblem(message);
  if (problem) throw new MalformedMessage(problem);
  const declared = firstMessageLength(message);
  if (declared === undefined) throw new MalformedMessage(`truncated: ${message.length} bytes`);
  if (message.length < declared) {
    throw new MalformedMessage(`truncated: ${message.length} of the ${declared} bytes arrived`);
  }
  return { type: message[0] as number, body: message.subarray(5, declared), length: declared - 1 };
}

/**
 * Parses and validates the server's first message after the StartupMessage: an
 * authentication request (`R`: ok, cleartext, md5, SASL with its mechanisms, ...) with the
 * length its code requires, or an ErrorResponse (`E`) with a SQLSTATE, such as 28000 "no
 * pg_hba.conf entry" or 57P03 "the database system is starting up". Anything else, an
 * oversized or a truncated message included, is `unknown` with the rule it broke.
 */
export function parsePostgresGreeting(message: Buffer): PostgresGreeting {
  try {
    const { type, body, length } = checkFrame(message);
    return type === 0x52 ? parseAuthRequest(body, length) : parseErrorResponse(body);
  } catch (error) {
    if (!(error instanceof MalformedMessage)) throw error;
    return {
      kind: 'unknown',
      firstBytes: message.subarray(0, 16).toString('hex'),
      problem: error.message,
    };
  }
}
