import { definedOnly, type Engine, type RdsSecret } from '@rotakit/core';
import { MYSQL_DEFAULT_PORT, meaningOfErrno } from '@rotakit/engine-mysql';
import { POSTGRES_DEFAULT_PORT, postgresErrorMeaning } from '@rotakit/engine-postgres';
import { type PostgresTlsMode, probeMysql, probePostgres } from '@rotakit/netcheck';
import { defaultTrustedCas } from '@rotakit/rds-trust';

/** Whether the database already accepts the pending version's password. */
export type PendingCheck =
  | { state: 'live'; engine: Engine }
  | { state: 'not-live' }
  | { state: 'unknown'; reason: string };

/** What a login with a password the server does not have fails with, in each engine's terms. */
export const REFUSED_PASSWORD_CODE: Readonly<Record<Engine, string>> = Object.freeze({
  mysql: '1045',
  postgres: '28P01',
});

interface PendingLogin {
  secret: RdsSecret;
  host: string;
  username: string;
  password: string;
}

/** Logs in once with the pending credentials, by the engine's own probe (from this machine). */
export function checkPendingLogin(engine: Engine, login: PendingLogin): Promise<PendingCheck> {
  return engine === 'postgres' ? postgresPendingLogin(login) : mysqlPendingLogin(login);
}

function sslRequested(ssl: unknown): boolean | undefined {
  if (ssl === true || ssl === 'true') return true;
  return ssl === false || ssl === 'false' ? false : undefined;
}

async function mysqlPendingLogin({ secret, host, username, password }: PendingLogin) {
  const probe = await probeMysql({
    host,
    port: secret.port ?? MYSQL_DEFAULT_PORT,
    timeoutMs: 5000,
    login: {
      user: username,
      password,
      ...definedOnly({
        database: secret.dbname,
        ssl: sslRequested(secret.ssl)
          ? { ca: [...defaultTrustedCas()], rejectUnauthorized: true }
          : undefined,
      }),
    },
  });
  if (probe.ok) return live('mysql');
  // Only a refused password (1045) proves the database still has the old one. 1044 (no grant
  // on dbname) comes after the server accepted the password, so the pending one is live; 1130
  // comes with any password, and a locked or expired account says nothing about it.
  const meaning = meaningOfErrno(probe.evidence.login?.errno);
  if (meaning === 'database-access-denied') return live('mysql');
  if (meaning === 'access-denied') return notLive();
  return unknown(host, probe.status);
}

const TLS_MODE: Record<'true' | 'false' | 'absent', PostgresTlsMode> = {
  true: 'require',
  false: 'disable',
  absent: 'prefer',
};

async function postgresPendingLogin({ secret, host, username, password }: PendingLogin) {
  const ssl = sslRequested(secret.ssl);
  const probe = await probePostgres({
    host,
    port: secret.port ?? POSTGRES_DEFAULT_PORT,
    timeoutMs: 5000,
    tls: TLS_MODE[ssl === undefined ? 'absent' : ssl ? 'true' : 'false'],
    login: { user: username, password, ...definedOnly({ database: secret.dbname }) },
  });
  if (probe.ok) return live('postgres');
  // Only a refused password (28P01) proves the database still has another one. 42501 (no
  // CONNECT privilege on dbname) comes after the server accepted the password; 28000
  // (pg_hba.conf, NOLOGIN) comes with any password and says nothing about it.
  const meaning = postgresErrorMeaning({ code: probe.evidence.login?.errorCode });
  if (meaning === 'insufficient-privilege') return live('postgres');
  if (meaning === 'access-denied') return notLive();
  return unknown(host, probe.status);
}

const live = (engine: Engine): PendingCheck => ({ state: 'live', engine });
const notLive = (): PendingCheck => ({ state: 'not-live' });
const unknown = (host: string, status: string): PendingCheck => ({
  state: 'unknown',
  reason: `database ${host}: ${status}`,
});
