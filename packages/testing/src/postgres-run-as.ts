import { readFileSync } from 'node:fs';

/** The operating-system account that runs initdb and postgres. */
export interface PostgresRunAs {
  /** Undefined when it is this process's own user (not root). */
  uid: number | undefined;
  gid: number | undefined;
  name: string;
}

const NOBODY = { uid: 65534, gid: 65534, name: 'nobody' };

function passwdEntry(name: string): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * PostgreSQL refuses to run as root ("root execution of the PostgreSQL server is not
 * permitted"): as root, run it as `postgres` (Debian's package creates it) or else
 * `nobody`; as anyone else, as yourself.
 */
export function postgresRunAs(): PostgresRunAs {
  if (process.getuid?.() !== 0) return { uid: undefined, gid: undefined, name: 'self' };
  const postgres = passwdEntry('postgres');
  if (postgres) return { ...postgres, name: 'postgres' };
  const nobody = passwdEntry('nobody') ?? NOBODY;
  return { ...nobody, name: 'nobody' };
}

/** spawn/execFile options that run the child as `runAs`. */
export function spawnIdentity(runAs: PostgresRunAs): { uid?: number; gid?: number } {
  return runAs.uid === undefined || runAs.gid === undefined
    ? {}
    : { uid: runAs.uid, gid: runAs.gid };
}
