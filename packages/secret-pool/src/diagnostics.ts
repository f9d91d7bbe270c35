import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * `node:diagnostics_channel` names this package publishes to. Messages carry identifiers,
 * versions, counts and error codes, never secret values.
 */
export const channels = Object.freeze({
  /** Every GetSecretValue call made by a `SecretCache`, successful or not. */
  fetch: 'rotakit:secret-cache:fetch',
  /** A pool applied new credentials to its future connections. */
  credentialsRefreshed: 'rotakit:secret-pool:credentials-refreshed',
  /** A new connection was refused with access denied (errno 1045/1698, sqlState 28000). */
  authFailure: 'rotakit:secret-pool:auth-failure',
  /** A connection opened with a previous username/host/port/database was closed. */
  connectionRetired: 'rotakit:secret-pool:connection-retired',
  /** The failed-login guard refused a login attempt. */
  loginGuard: 'rotakit:secret-pool:login-guard',
});

export const fetchChannel = diagnosticsChannel.channel(channels.fetch);
export const credentialsRefreshedChannel = diagnosticsChannel.channel(
  channels.credentialsRefreshed,
);
export const authFailureChannel = diagnosticsChannel.channel(channels.authFailure);
export const connectionRetiredChannel = diagnosticsChannel.channel(channels.connectionRetired);
export const loginGuardChannel = diagnosticsChannel.channel(channels.loginGuard);
