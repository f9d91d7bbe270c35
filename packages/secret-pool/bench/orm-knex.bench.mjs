#!/usr/bin/env node
// Knex on a rotakit pool (@rotakit/secret-pool/knex) vs Knex's plain mysql2 setup: throughput
// of one Knex query at 32 concurrency, with an A/A control (throughput-harness.mjs has the
// design). Against the built dist (`pnpm bench` builds first). Prints one JSON object on its
// last stdout line.
//
//   node packages/secret-pool/bench/orm-knex.bench.mjs
import { fileURLToPath } from 'node:url';
import { child, main } from './orm-throughput.mjs';
import { secretSource } from './throughput-harness.mjs';

const knexOn = (knex) => ({
  query: () => knex('items').select('id', 'name').where('id', 1).first(),
  end: () => knex.destroy(),
});

const setups = {
  // Knex's documented setup: `client: 'mysql2'` with connection settings.
  async plain(job) {
    const knex = (await import('knex')).default;
    const { host, port, user, password, database, connectionLimit } = job;
    return knexOn(
      knex({
        client: 'mysql2',
        connection: { host, port, user, password, database },
        pool: { min: 0, max: connectionLimit },
      }),
    );
  },
  async rotakit(job) {
    const knex = (await import('knex')).default;
    const { knexConfig } = await import('@rotakit/secret-pool/knex');
    return knexOn(
      knex(
        knexConfig({
          ...secretSource(job),
          connectionLimit: job.connectionLimit,
        }),
      ),
    );
  },
};

if (process.argv[2] === '--child') {
  await child(setups, JSON.parse(process.argv[3]));
} else {
  await main({
    benchmark: '@rotakit/secret-pool orm-knex',
    label: 'knex',
    query: "db('items').select('id', 'name').where('id', 1).first()",
    self: fileURLToPath(import.meta.url),
  });
}
