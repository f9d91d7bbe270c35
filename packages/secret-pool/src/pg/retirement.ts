import type pg from 'pg';
import type { PoolBasics } from '../pool/context.js';
import type { CredentialGenerations } from '../pool/generations.js';
import type { PgCredentialTarget } from './client.js';

export interface PgRetirementOptions extends PoolBasics {
  /** The span old clients' deadlines are spread over; undefined: never retire. */
  readonly overMs: number | undefined;
  readonly generations: CredentialGenerations<pg.Client>;
  readonly target: PgCredentialTarget;
}

/**
 * Gradual retirement after the secret names another user, host, port or database
 * (alternating users): each client opened before gets a random deadline within `overMs` and
 * is destroyed when released after it, through pg's public `release(true)`. Spreading the
 * deadlines keeps the pool from reconnecting all at once. Idle old clients go with pg's
 * `idleTimeoutMillis` (pg has no public way to take one out of its idle list).
 */
export class PgRetirement {
  readonly #o: PgRetirementOptions;
  /** When the identity last changed. */
  #from = 0;
  #active = false;
  readonly #deadlines = new WeakMap<pg.Client, number>();

  constructor(options: PgRetirementOptions) {
    this.#o = options;
  }

  /** The identity changed: clients opened before it are old from now on. */
  start(): void {
    if (this.#o.overMs === undefined) return;
    this.#from = Date.now();
    this.#active = true;
  }

  /** Makes the client's next `release()` destroy it if it is old and past its deadline. */
  watchRelease(client: pg.PoolClient): void {
    // Only while old clients remain: the hot path stays pg's own release.
    if (!this.#active || !this.#isOld(client)) return;
    const release = client.release;
    client.release = (error?: Error | boolean) => {
      if (error || !this.#isDue(client, Date.now())) {
        release(error);
        return;
      }
      this.#retire(client);
      release(true);
    };
  }

  #isOld(client: pg.Client): boolean {
    const gen = this.#o.generations.generationOf(client);
    const current = this.#o.generations.current;
    return (
      gen !== undefined &&
      current !== undefined &&
      gen.credentials.identity !== current.credentials.identity
    );
  }

  #isDue(client: pg.Client, now: number): boolean {
    let deadline = this.#deadlines.get(client);
    if (deadline === undefined) {
      deadline = this.#from + Math.random() * (this.#o.overMs ?? 0);
      this.#deadlines.set(client, deadline);
    }
    return now >= deadline;
  }

  #retire(client: pg.Client): void {
    const { counters, announce, secretId, generations, target } = this.#o;
    counters.retiredConnections++;
    announce('connectionRetired', {
      secretId,
      versionId: generations.generationOf(client)?.value.versionId ?? '',
    });
    target.clients.delete(client);
    this.#active = [...target.clients].some((other) => this.#isOld(other));
  }
}
