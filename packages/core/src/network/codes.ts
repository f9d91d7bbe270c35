/**
 * What a Node socket, DNS or TLS error code means, for every package that opens connections
 * (to a database or to an AWS endpoint). Engines add their drivers' own codes on top.
 */
export type NetworkErrorMeaning =
  | 'refused'
  | 'timeout'
  | 'dns'
  | 'unreachable'
  /** The connection broke after it was opened. */
  | 'connection-lost'
  | 'tls'
  | 'aborted';

const CODE_MEANINGS: Readonly<Record<string, NetworkErrorMeaning>> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  // Node reports a connect the local stack gave up on this way; netcheck has always read it
  // as a timeout.
  ECONNABORTED: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  ENODATA: 'dns',
  ESERVFAIL: 'dns',
  ENOTIMP: 'dns',
  EREFUSED: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  // A local firewall (or a sandbox) refusing the connect.
  EACCES: 'unreachable',
  EPERM: 'unreachable',
  ECONNRESET: 'connection-lost',
  EPIPE: 'connection-lost',
  ERR_SOCKET_CLOSED: 'connection-lost',
  UND_ERR_SOCKET: 'connection-lost',
  EPROTO: 'tls',
  ABORT_ERR: 'aborted',
};

const TLS_CODES =
  /^(ERR_TLS_.*|ERR_SSL_.*|.*CERT.*|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_.*)$/;

/**
 * The meaning of a Node error code (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`, ...), or
 * undefined for a code that is not about the network.
 *
 * @example
 * networkErrorMeaning('EAI_AGAIN') // 'dns'
 */
export function networkErrorMeaning(code: string | undefined): NetworkErrorMeaning | undefined {
  if (code === undefined) return undefined;
  if (Object.hasOwn(CODE_MEANINGS, code)) return CODE_MEANINGS[code];
  return TLS_CODES.test(code) ? 'tls' : undefined;
}
