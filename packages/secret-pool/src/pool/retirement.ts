import type { PoolConnection as CorePoolConnection } from 'mysql2';
import type { PoolContext } from './context.js';
import type { CredentialGenerations } from './generations.js';

export interface RetirementOptions extends PoolContext {
  /** The span old connections' deadlines are spread over; undefined: never retire. */
  readonly overMs: number | undefined;
  readonly generations: CredentialGenerations<CorePoolConnection>;
}

/**
 * Gradual retirement after the secret names another user, host, port or database
 * (alternating users): each connection opened before gets a random deadline within `overMs`
 * and is closed when released, or swept while idle, after it. Spreading the deadlines keeps
 * the pool from reconnecting all at once.
 */
export class Retirement {
  readonly #o: RetirementOptions;
  /** When the identity last changed. */
  #from = 0;
  /** Set while connections opened with a previous identity remain. */
  #timer: NodeJS.Timeout | undefined;
  readonly #deadlines = new WeakMap<CorePoolConnection, number>();

  constructor(options: RetirementOptions) {
    this.#o = options;
  }

  /** The identity changed: connections opened before it are old from now on. */
  start(): void {
    const { overMs } = this.#o;
    if (overMs === undefined) return;
    this.#from = Date.now();
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#sweep(), Math.max(50, Math.min(1000, overMs / 10)));
    // Unref'd: a sweep that nobody awaits (docs/secret-pool.md, timers).
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Closes a released connection past its deadline instead of returning it; true if it did. */
  retireOnRelease(connection: CorePoolConnection): boolean {
    if (this.#timer === undefined || !this.#o.adapter.isPooled(connection)) return false;
    if (!this.#isDue(connection, Date.now())) return false;
    this.#retire(connection);
    return true;
  }

  #isOld(connection: CorePoolConnection): boolean {
    const gen = this.#o.generations.generationOf(connection);
    const current = this.#o.generations.current;
    return (
      gen !== undefined &&
      current !== undefined &&
      gen.credentials.identity !== current.credentials.identity
    );
  }

  #isDue(connection: CorePoolConnection, now: number): boolean {
    if (!this.#isOld(connection)) return false;
    let deadline = this.#deadlines.get(connection);
    if (deadline === undefined) {
      deadline = this.#from + Math.random() * (this.#o.overMs ?? 0);
      this.#deadlines.set(connection, deadline);
    }
    return now >= deadline;
  }

  #retire(connection: CorePoolConnection): void {
    this.#o.counters.retiredConnections++;
    const gen = this.#o.generations.generationOf(connection);
    connection.destroy();
    this.#o.announce('connectionRetired', {
      secretId: this.#o.secretId,
      versionId: gen?.value.versionId ?? '',
    });
  }

  #sweep(): void {
    const now = Date.now();
    const { adapter } = this.#o;
    const old = adapter.connections().filter((connection) => this.#isOld(connection)).length;
    const due = adapter.idleConnections().filter((connection) => this.#isDue(connection, now));
    for (const connection of due) this.#retire(connection);
    if (old - due.length <= 0) this.stop();
  }
}
