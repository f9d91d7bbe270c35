/** What the first packet of a MySQL/MariaDB server says. */
export type MysqlGreeting =
  | {
      kind: 'handshake';
      protocolVersion: number;
      serverVersion: string;
      flavor: 'mariadb' | 'mysql';
      connectionId?: number;
      /** The server offers TLS (CLIENT_SSL). */
      ssl?: boolean;
      authPlugin?: string;
    }
  | { kind: 'error'; errorCode: number; sqlState?: string; message: string }
  | {
      kind: 'unknown';
      firstBytes: string;
      /** Which rule of the MySQL wire format the packet broke; never quotes its contents. */
      problem: string;
    };

const PROTOCOL_10 = 0x0a;
const ERR_PACKET = 0xff;
const CLIENT_PROTOCOL_41 = 0x0200;
const CLIENT_SSL = 0x0800;
const CLIENT_PLUGIN_AUTH = 0x0008_0000;
/** The scramble is 20 bytes plus a NUL, sent as 8 bytes then at least 13. */
const MIN_AUTH_DATA_LENGTH = 8 + 13;
const MAX_VERSION_LENGTH = 255;

/**
 * The largest first packet a server sends: a greeting is about 100 bytes and an ERR packet's
 * message is at most 512. Anything longer is another protocol whose first bytes happen to
 * read as a length (an HTTP or SSH banner declares megabytes).
 */
export const MAX_FIRST_PACKET_PAYLOAD = 1024;

/** Bytes needed for the first packet: 4-byte header + payload; undefined until the header is in. */
export function firstPacketLength(buffer: Buffer): number | undefined {
  if (buffer.length < 4) return undefined;
  return 4 + buffer.readUIntLE(0, 3);
}

/**
 * Why the bytes received so far cannot start a MySQL server's first packet, or undefined
 * while they still can. Needs only the header and the first payload byte, so a reader can
 * stop at once on a peer that speaks another protocol.
 */
export function firstPacketProblem(buffer: Buffer): string | undefined {
  const kind = buffer[4];
  if (kind === undefined) return undefined;
  if (kind !== PROTOCOL_10 && kind !== ERR_PACKET) {
    return `first payload byte 0x${kind.toString(16).padStart(2, '0')} is neither protocol 10 (0x0a) nor an ERR packet (0xff)`;
  }
  const sequenceId = buffer[3] as number;
  if (sequenceId !== 0) {
    return `sequence id ${sequenceId}, expected 0 for the server's first packet`;
  }
  const payloadLength = buffer.readUIntLE(0, 3);
  if (payloadLength > MAX_FIRST_PACKET_PAYLOAD) {
    return `declares a ${payloadLength}-byte payload, more than a greeting's ${MAX_FIRST_PACKET_PAYLOAD}`;
  }
  return undefined;
}

/** A packet that breaks the wire format; caught inside parseGreeting. */
class MalformedPacket extends Error {
  override readonly name = 'MalformedPacket';
}

/** Reads a payload front to back; every read past the end is a MalformedPacket naming the field. */
class PayloadReader {
  #offset: number;
  constructor(
    readonly payload: Buffer,
    offset: number,
  ) {
    this.#offset = offset;
  }

  get remaining(): number {
    return this.payload.length - this.#offset;
  }

  bytes(length: number, field: string): Buffer {
    if (this.remaining < length) {
      throw new MalformedPacket(`truncated: the payload ends inside the ${field}`);
    }
    const value = this.payload.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }

  u8(field: string): number {
    return this.bytes(1, field).readUInt8(0);
  }

  u16(field: string): number {
    return this.bytes(2, field).readUInt16LE(0);
  }

  u32(field: string): number {
    return this.bytes(4, field).readUInt32LE(0);
  }

  /** A NUL-terminated string; `nulOptional` accepts one that runs to the end of the payload. */
  cString(field: string, nulOptional = false): string {
    const end = this.payload.indexOf(0, this.#offset);
    if (end === -1 && !nulOptional) throw new MalformedPacket(`the ${field} has no NUL terminator`);
    const stop = end === -1 ? this.payload.length : end;
    const value = this.payload.toString('latin1', this.#offset, stop);
    this.#offset = Math.min(this.payload.length, stop + 1);
    return value;
  }
}

function printableText(value: string, field: string, maxLength: number): string {
  if (value.length === 0) throw new MalformedPacket(`the ${field} is empty`);
  if (value.length > maxLength) {
    throw new MalformedPacket(`the ${field} is ${value.length} bytes, more than ${maxLength}`);
  }
  if (!/^[\x20-\x7e]+$/.test(value)) {
    throw new MalformedPacket(`the ${field} has bytes that are not printable ASCII`);
  }
  return value;
}

function checkFrame(packet: Buffer): Buffer {
  const problem = firstPacketProblem(packet);
  if (problem) throw new MalformedPacket(problem);
  const declared = packet.length < 4 ? undefined : packet.readUIntLE(0, 3);
  if (declared === undefined || declared === 0) throw new MalformedPacket('empty packet');
  const received = packet.length - 4;
  if (received < declared) {
    throw new MalformedPacket(`truncated: ${received} of the ${declared} payload bytes arrived`);
  }
  return packet.subarray(4, 4 + declared);
}

function parseErrPacket(payload: Buffer): MysqlGreeting {
  const reader = new PayloadReader(payload, 1);
  const errorCode = reader.u16('error code');
  let sqlState: string | undefined;
  if (payload[3] === 0x23 /* # */ && reader.remaining >= 6) {
    sqlState = reader.bytes(6, 'SQL state').toString('latin1', 1);
  }
  const message = reader.bytes(reader.remaining, 'message').toString('utf8');
  return { kind: 'error', errorCode, ...(sqlState ? { sqlState } : {}), message };
}

/** Capability flags, both halves; the lower half must say protocol 4.1 (every server since 2004). */
function readCapabilities(reader: PayloadReader): number {
  const lower = reader.u16('capability flags');
  if ((lower & CLIENT_PROTOCOL_41) === 0) {
    throw new MalformedPacket('the capability flags lack CLIENT_PROTOCOL_41');
  }
  reader.bytes(3, 'character set and status flags');
  const upper = reader.u16('upper capability flags');
  return (lower | (upper << 16)) >>> 0;
}

/** The scramble's length byte, the reserved bytes and its second part; then the plugin name. */
function readAuthPlugin(reader: PayloadReader, caps: number): string | undefined {
  const authDataLength = reader.u8('auth-plugin-data length');
  const pluginAuth = (caps & CLIENT_PLUGIN_AUTH) !== 0;
  if (pluginAuth && authDataLength < MIN_AUTH_DATA_LENGTH) {
    throw new MalformedPacket(
      `auth-plugin-data length ${authDataLength}, less than ${MIN_AUTH_DATA_LENGTH}`,
    );
  }
  reader.bytes(10, 'reserved bytes');
  // Read whatever CLIENT_SECURE_CONNECTION says: servers always set it (MySQL 8.0 deprecated
  // the flag) and the protocol documentation lays this field out without a condition.
  reader.bytes(Math.max(13, authDataLength - 8), 'auth-plugin-data-part-2');
  if (!pluginAuth) return undefined;
  // Servers before MySQL 5.5.10 (bug #59453) leave out the name's NUL.
  return printableText(reader.cString('auth plugin name', true), 'auth plugin name', 64);
}

function parseHandshake(payload: Buffer): MysqlGreeting {
  const reader = new PayloadReader(payload, 1);
  const version = printableText(
    reader.cString('server version'),
    'server version',
    MAX_VERSION_LENGTH,
  );
  const connectionId = reader.u32('connection id');
  reader.bytes(8, 'auth-plugin-data-part-1');
  const filler = reader.u8('filler');
  if (filler !== 0) throw new MalformedPacket(`the filler byte is ${filler}, expected 0`);
  const caps = readCapabilities(reader);
  const authPlugin = readAuthPlugin(reader, caps);
  return {
    kind: 'handshake',
    protocolVersion: 10,
    // MariaDB prefixes `5.5.5-` for old replication clients; it is not the version.
    serverVersion: version.replace(/^5\.5\.5-(?=\d+\.\d+\.\d+.*mariadb)/i, ''),
    flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql',
    connectionId,
    ssl: (caps & CLIENT_SSL) !== 0,
    ...(authPlugin ? { authPlugin } : {}),
  };
}

/**
 * Parses and validates the server's first packet: a protocol 10 handshake (sequence id 0,
 * 0x0a, NUL-terminated printable version, connection id, scramble, capabilities with
 * CLIENT_PROTOCOL_41, auth plugin) or an ERR packet (0xff, error code, message) such as 1129
 * "Host is blocked because of many connection errors". Anything else, an oversized or a
 * truncated packet included, is `unknown` with the rule it broke.
 */
export function parseGreeting(packet: Buffer): MysqlGreeting {
  try {
    const payload = checkFrame(packet);
    return payload[0] === ERR_PACKET ? parseErrPacket(payload) : parseHandshake(payload);
  } catch (error) {
    if (!(error instanceof MalformedPacket)) throw error;
    return {
      kind: 'unknown',
      firstBytes: packet.subarray(0, 16).toString('hex'),
      problem: error.message,
    };
  }
}
