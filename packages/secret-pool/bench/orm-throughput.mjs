// The MariaDB side of the ORM throughput benchmarks (orm-kysely, orm-drizzle, orm-knex): one
// ORM query at 32 concurrency, the ORM on a rotakit pool vs the same ORM on a plain mysql2
// pool (its documented setup), with an A/A control; throughput-harness.mjs has the design.
// Runs against the built dist.
import { compareThroughput, serveSlices } from './throughput-harness.mjs';

const GROUPS = 10;
const ROUNDS_PER_GROUP = 2;

/** The child's part: `setups.plain` or `setups.rotakit` (each returning `{ query, end }`). */
export const child = serveSlices;

// ---------------------------------------------------------------- main

/**
 * Starts MariaDB and the local Secrets Manager, makes an account with an `items` table and
 * its secret, runs the groups, prints progress and, on the last stdout line, one JSON object.
 */
export async function main({ benchmark, label, query, self }) {
  const log = (...args) => console.log(`[${label} bench]`, ...args);
  const benchStarted = Date.now();
  const { startMysql, createDatabaseUser, uniqueName, withAdmin } = await import(
    '@rotakit/testing'
  );
  const { startSecretsManager } = await import('@rotakit/secrets-manager-local');
  const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  log('starting MariaDB and the local Secrets Manager');
  const [server, sm] = await Promise.all([startMysql(), startSecretsManager()]);
  const output = { benchmark, query };
  try {
    const user = await createDatabaseUser(server);
    await withAdmin(server, async (admin) => {
      await admin.query(`USE ${admin.escapeId(user.database)}`);
      await admin.query(
        'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL)',
      );
      await admin.query("INSERT INTO items (name) VALUES ('first')");
    });
    const secretName = uniqueName('bench_orm');
    const client = sm.client({ maxAttempts: 1 });
    await client.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: JSON.stringify({
          engine: 'mysql',
          host: user.host,
          port: user.port,
          username: user.username,
          password: user.password,
          dbname: user.database,
        }),
      }),
    );
    client.destroy();
    const job = {
      host: user.host,
      port: user.port,
      user: user.username,
      password: user.password,
      database: user.database,
      secretName,
      endpoint: sm.endpoint,
      region: sm.region,
      connectionLimit: 16,
      warmupMs: 1000,
      sliceMs: 400,
    };
    Object.assign(output, {
      connectionLimit: job.connectionLimit,
      ...(await compareThroughput({ self, job, groups: GROUPS, rounds: ROUNDS_PER_GROUP, log })),
    });
  } finally {
    await sm.close();
    await server.stop();
  }
  output.durationSeconds = Math.round((Date.now() - benchStarted) / 1000);
  console.log(JSON.stringify(output));
}
