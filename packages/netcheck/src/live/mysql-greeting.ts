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
  | { kind: 'unknown'; firstBytes: string };

const CLIENT_SSL = 0x0800;
const CLIENT_PLUGIN_AUTH = 0x0008_0000;

/** Bytes needed for the first packet: 4-byte header + payload; undefined until the header is in. */
export function firstPacketLength(buffer: Buffer): number | undefined {
  if (buffer.length < 4) return undefined;
  return 4 + buffer.readUIntLE(0, 3);
}

function cString(buffer: Buffer, start: number): { value: string; next: number } {
  const end = buffer.indexOf(0, start);
  const stop = end === -1 ? buffer.length : end;
  return { value: buffer.toString('latin1', start, stop), next: stop + 1 };
}

/**
 * Parses the server's first packet: protocol 10 handshake (0x0a, NUL-terminated version,
 * connection id, capabilities) or an ERR packet (0xff, error code, message) such as 1129
 * "Host is blocked because of many connection errors".
 */
export function parseGreeting(packet: Buffer): MysqlGreeting {
  const payload = packet.subarray(4);
  const first = payload[0];
  if (first === 0xff && payload.length >= 3) {
    const errorCode = payload.readUInt16LE(1);
    let offset = 3;
    let sqlState: string | undefined;
    if (payload[offset] === 0x23 /* # */ && payload.length >= offset + 6) {
      sqlState = payload.toString('latin1', offset + 1, offset + 6);
      offset += 6;
    }
    const message = payload.toString('utf8', offset);
    return { kind: 'error', errorCode, ...(sqlState ? { sqlState } : {}), message };
  }
  if (first === 0x0a) {
    const version = cString(payload, 1);
    const greeting: MysqlGreeting = {
      kind: 'handshake',
      protocolVersion: 10,
      // MariaDB prefixes `5.5.5-` for old replication clients; it is not the version.
      serverVersion: version.value.replace(/^5\.5\.5-(?=\d+\.\d+\.\d+.*mariadb)/i, ''),
      flavor: /mariadb/i.test(version.value) ? 'mariadb' : 'mysql',
    };
    let o = version.next;
    if (payload.length >= o + 4) greeting.connectionId = payload.readUInt32LE(o);
    o += 4 + 8 + 1; // connection id, auth-plugin-data-part-1, filler
    if (payload.length >= o + 2) {
      let caps = payload.readUInt16LE(o);
      greeting.ssl = (caps & CLIENT_SSL) !== 0;
      o += 2 + 1 + 2; // lower capabilities, charset, status flags
      if (payload.length >= o + 2) {
        caps |= payload.readUInt16LE(o) << 16;
        o += 2;
        const authDataLength = payload[o] ?? 0;
        o += 1 + 10; // auth data length, reserved
        o += Math.max(13, authDataLength - 8);
        if ((caps & CLIENT_PLUGIN_AUTH) !== 0 && o < payload.length) {
          greeting.authPlugin = cString(payload, o).value;
        }
      }
    }
    return greeting;
  }
  return { kind: 'unknown', firstBytes: packet.subarray(0, 16).toString('hex') };
}
