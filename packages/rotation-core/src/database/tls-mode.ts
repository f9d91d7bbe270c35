import { CREDENTIAL_LABEL, TlsRequiredError } from '../errors.js';
import type { ConnectOptions, DatabaseTarget, DatabaseTlsSettings } from './driver.js';

/** `require`: TLS only; `prefer`: TLS, else plaintext with a warning; `disable`: plaintext. */
export type TlsMode = 'require' | 'prefer' | 'disable';

/** One login: what it connects to and how, and how messages name it. */
export interface Login {
  readonly target: DatabaseTarget;
  readonly options: ConnectOptions;
  /** `host:port`, for messages. */
  readonly where: string;
  /** `AWSCURRENT credentials (user "app")`, for messages. */
  readonly who: string;
}

export function loginOf(target: DatabaseTarget, options: ConnectOptions): Login {
  return {
    target,
    options,
    where: `${target.host}:${target.port}`,
    who: `${CREDENTIAL_LABEL[options.credentials]} credentials (user ${JSON.stringify(target.username)})`,
  };
}

/**
 * The secret's `ssl` key decides; without one, tls.strict means TLS only, else TLS first.
 * `ssl: false` under tls.strict is refused here, before anything is sent.
 */
export function tlsModeOf(login: Login): TlsMode {
  const { target, options } = login;
  if (target.ssl === false && options.tls.strict) {
    throw new TlsRequiredError(
      `Refusing to log in to ${login.where} with the ${login.who} without TLS: the secret says "ssl": false and tls.strict is on`,
      { credentials: options.credentials, reason: 'tls', host: target.host, port: target.port },
    );
  }
  return tlsModeFor(target, options.tls);
}

function tlsModeFor(target: DatabaseTarget, tls: DatabaseTlsSettings): TlsMode {
  if (target.ssl === true) return 'require';
  if (target.ssl === false) return 'disable';
  return tls.strict ? 'require' : 'prefer';
}

/** The warning of a `prefer` login that falls back to plaintext. */
export function warnPlaintextFallback(login: Login, tlsError: string): void {
  const { target, options } = login;
  options.logger.warn(
    'TLS to the database failed; falling back to an UNENCRYPTED connection because the secret has no "ssl" key. Set "ssl": true in the secret or tls.strict to forbid this.',
    { host: target.host, port: target.port, credentials: options.credentials, tlsError },
  );
}
