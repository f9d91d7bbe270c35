#!/usr/bin/env node
// Drizzle ORM on a rotakit pool vs Drizzle on a plain mysql2 pool: throughput of one Drizzle
// query at 32 concurrency, with an A/A control (throughput-harness.mjs has the design). Against
// the built dist (`pnpm bench` builds first). Prints one JSON object on its last stdout line.
//
//   node packages/secret-pool/bench/orm-drizzle.bench.mjs
import { fileURLToPath } from 'node:url';
import { child, main } from './orm-throughput.mjs';
import { secretSource } from './throughput-harness.mjs';

const drizzleOn = async (client, end) => {
  const { eq } = await import('drizzle-orm');
  const { drizzle } = await import('drizzle-orm/mysql2');
  const { int, mysqlTable, varchar } = await import('drizzle-orm/mysql-core');
  const items = mysqlTable('items', {
    id: int('id').primaryKey().autoincrement(),
    name: varchar('name', { length: 64 }).notNull(),
  });
  const db = drizzle({ client });
  return { query: () => db.select().from(items).where(eq(items.id, 1)), end };
};

const setups = {
  // Drizzle's documented setup: a mysql2/promise pool as the client.
  async plain(job) {
    const mysql = (await import('mysql2/promise')).default;
    const { host, port, user, password, database, connectionLimit } = job;
    const pool = mysql.createPool({ host, port, user, password, database, connectionLimit });
    return drizzleOn(pool, () => pool.end());
  },
  async rotakit(job) {
    const { createPool } = await import('@rotakit/secret-pool');
    const pool = createPool({
      ...secretSource(job),
      connectionLimit: job.connectionLimit,
    });
    return drizzleOn(pool.pool, () => pool.end());
  },
};

if (process.argv[2] === '--child') {
  await child(setups, JSON.parse(process.argv[3]));
} else {
  await main({
    benchmark: '@rotakit/secret-pool orm-drizzle',
    label: 'drizzle',
    query: 'select().from(items).where(eq(items.id, 1))',
    self: fileURLToPath(import.meta.url),
  });
}
