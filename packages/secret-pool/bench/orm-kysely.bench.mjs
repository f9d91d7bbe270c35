#!/usr/bin/env node
// Kysely on a rotakit pool vs Kysely on a plain mysql2 pool: throughput of one Kysely query at
// 32 concurrency, with an A/A control (throughput-harness.mjs has the design). Against the built
// dist (`pnpm bench` builds first). Prints one JSON object on its last stdout line.
//
//   node packages/secret-pool/bench/orm-kysely.bench.mjs
import { fileURLToPath } from 'node:url';
import { child, main } from './orm-throughput.mjs';
import { secretSource } from './throughput-harness.mjs';

const kyselyOn = async (pool) => {
  const { Kysely, MysqlDialect } = await import('kysely');
  const db = new Kysely({ dialect: new MysqlDialect({ pool }) });
  return {
    query: () => db.selectFrom('items').selectAll().where('id', '=', 1).execute(),
    end: () => db.destroy(),
  };
};

const setups = {
  // Kysely's documented setup: a mysql2 (callback) pool.
  async plain(job) {
    const { createPool } = await import('mysql2');
    const { host, port, user, password, database, connectionLimit } = job;
    return kyselyOn(createPool({ host, port, user, password, database, connectionLimit }));
  },
  async rotakit(job) {
    const { createPool } = await import('@rotakit/secret-pool');
    return kyselyOn(
      createPool({
        ...secretSource(job),
        connectionLimit: job.connectionLimit,
      }),
    );
  },
};

if (process.argv[2] === '--child') {
  await child(setups, JSON.parse(process.argv[3]));
} else {
  await main({
    benchmark: '@rotakit/secret-pool orm-kysely',
    label: 'kysely',
    query: "selectFrom('items').selectAll().where('id', '=', 1)",
    self: fileURLToPath(import.meta.url),
  });
}
