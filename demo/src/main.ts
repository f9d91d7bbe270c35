#!/usr/bin/env node
// `pnpm demo`: an application under load through rotations, with rotakit and without.
import { parseArgs } from 'node:util';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Engine } from '@rotakit/core';
import { checkRotationPath, formatReport } from '@rotakit/netcheck';
import type { RotationStrategy } from '@rotakit/rotation-core';
import { type QueryLoad, type QueryLoadOptions, startQueryLoad } from '@rotakit/testing';
import Table from 'cli-table3';
import pc from 'picocolors';
import { plainPool as createPlainPool, rotakitPool as createRotakitPool } from './pools.js';
import { type RotationRun, startStack } from './stack.js';

// The SDK's Node 20 support notice would land mid-table (docs/node-versions.md covers it);
// clients read this when they are created, after these imports. A user's own setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage: pnpm demo [-- options]

Starts a private MariaDB (or PostgreSQL) and the local Secrets Manager, runs an application
under load through rotations (single-user, then alternating users) with a rotakit pool and,
side by side, a plain mysql2 (or pg) pool given the secret once. Exits 0 only if the rotakit
side had zero failed queries.

Options:
  --engine <name>       mysql (a private MariaDB, the default) or postgres (a private PostgreSQL)
  --single <n>          single-user rotations (default 4)
  --alternating <n>     alternating-users rotations (default 4)
  --workers <n>         concurrent workers per pool (default 32)
  --step-gap-ms <ms>    pause between rotation steps, as the service's invocations take (default 300)
  --no-baseline         skip the plain pool
  --mysql-url <url>     use this server's admin account (mysql://USER:PASSWORD@HOST:PORT) instead of a private MariaDB
  --aws                 use AWS Secrets Manager (default credentials and Region) instead of the local one;
                        rotations then run from this machine (runRotation); the database must be reachable
  -h, --help`;

function engineOption(value: string | undefined, mysqlUrl: string | undefined): Engine {
  const engine = value ?? 'mysql';
  if (engine !== 'mysql' && engine !== 'postgres') {
    console.error(`--engine must be mysql or postgres (got ${engine})\n\n${USAGE}`);
    process.exit(2);
  }
  if (engine === 'postgres' && mysqlUrl !== undefined) {
    console.error(`--mysql-url is for --engine mysql\n\n${USAGE}`);
    process.exit(2);
  }
  return engine;
}

function count(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number (got ${value})\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    // `pnpm demo -- --single 2` passes the `--` through; take it as nothing.
    args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--')),
    options: {
      engine: { type: 'string' },
      single: { type: 'string' },
      alternating: { type: 'string' },
      workers: { type: 'string' },
      'step-gap-ms': { type: 'string' },
      'no-baseline': { type: 'boolean' },
      'mysql-url': { type: 'string' },
      aws: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const engine = engineOption(values.engine, values['mysql-url']);
  const singleRotations = count(values.single, 4, 'single');
  const alternatingRotations = count(values.alternating, 4, 'alternating');
  const workers = count(values.workers, 32, 'workers');
  const stepGapMs = count(values['step-gap-ms'], 300, 'step-gap-ms');
  const baseline = !values['no-baseline'];
  const tty = Boolean(process.stdout.isTTY);
  const started = performance.now();

  console.log(pc.bold('rotakit demo') + pc.dim(' - credential rotation that apps survive\n'));
  const stack = await startStack({
    engine,
    mysqlUrl: values['mysql-url'],
    aws: values.aws ?? false,
    stepGapMs,
  });
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    console.log(`  database         ${stack.description.database}`);
    console.log(`  secrets manager  ${stack.description.secretsManager}`);
    const db = await stack.prepareDatabase();
    if (values['mysql-url']) cleanups.push(() => stack.cleanupDatabase(db));
    const base = {
      engine,
      host: stack.server.host,
      port: stack.server.port,
      dbname: db.database,
      ssl: false,
    };
    const masterArn = await stack.createSecret('demo/master', {
      ...base,
      username: db.masterUser,
      password: db.masterPassword,
      dbname: db.masterDatabase ?? db.database,
    });
    const appSecret = { ...base, username: db.appUser, password: db.appPassword, team: 'checkout' };
    const secretArn = await stack.createSecret('demo/app', appSecret);
    console.log(`  app secret       demo/app (user ${db.appUser}, RDS secret JSON)\n`);

    const target = {
      engine,
      secretId: secretArn,
      client: stack.client,
      host: base.host,
      port: base.port,
      user: appSecret.username,
      password: appSecret.password,
      database: db.database,
    };
    const rotakitPool = createRotakitPool(target);
    cleanups.push(() => rotakitPool.end());
    const plainPool = baseline ? createPlainPool(target) : undefined;
    if (plainPool) cleanups.push(() => plainPool.end());

    // Every 4th query of a worker opens its own connection and destroys it afterwards, so new
    // logins happen all the time, as they do in a real app (connection lifetimes, scaling,
    // restarts): that is where a rotation bites. Both sides run the same load.
    const load: QueryLoadOptions = {
      workers,
      churnEvery: 4,
      query: 'SELECT id, total FROM orders ORDER BY id DESC LIMIT 5',
      churnQuery: 'SELECT COUNT(*) FROM orders',
      pauseAfterErrorMs: 20,
    };
    const loads: { rotakit: QueryLoad; plain?: QueryLoad } = {
      rotakit: startQueryLoad(rotakitPool.queryable, load),
      ...(plainPool ? { plain: startQueryLoad(plainPool.queryable, load) } : {}),
    };
    const rotations: Array<RotationRun & { strategy: RotationStrategy }> = [];
    const total = singleRotations + alternatingRotations;
    const progressLine = () => {
      const calls = stack.secretsManagerCalls();
      const smCalls = calls ? Object.values(calls).reduce((a, b) => a + b, 0) : undefined;
      const r = loads.rotakit.result;
      const p = loads.plain?.result;
      const user = rotakitPool.stats().credentials.username ?? '?';
      return [
        `rotations ${rotations.filter((x) => x.ok).length}/${total}`,
        `rotakit ${pc.green(`${r.ok} ok`)} ${r.failed ? pc.red(`${r.failed} failed`) : '0 failed'}`,
        ...(p
          ? [
              `${plainPool?.label} ${p.ok} ok ${p.failed ? pc.red(`${p.failed} failed`) : '0 failed'}`,
            ]
          : []),
        ...(smCalls !== undefined ? [`SM calls ${smCalls}`] : []),
        `user ${user}`,
      ].join(pc.dim(' | '));
    };
    let lastPrinted = 0;
    const ticker = setInterval(() => {
      if (tty) process.stdout.write(`\r\x1b[2K  ${progressLine()}`);
      else if (performance.now() - lastPrinted > 2000) {
        lastPrinted = performance.now();
        console.log(`  ${progressLine()}`);
      }
    }, 250);
    // Unref'd: display only (docs/architecture.md "Timers and the event loop").
    ticker.unref();
    const note = (text: string) => {
      if (tty) process.stdout.write('\r\x1b[2K');
      console.log(`  ${text}`);
    };

    await new Promise((resolve) => setTimeout(resolve, 500));
    const rotate = async (strategy: RotationStrategy, n: number) => {
      for (let i = 1; i <= n; i++) {
        const run = await stack.rotate(secretArn, strategy);
        rotations.push({ ...run, strategy });
        note(
          `${run.ok ? pc.green('✓') : pc.red('✗')} ${strategy} rotation ${i}/${n} in ${Math.round(run.durationMs)} ms` +
            `${run.error ? pc.red(`: ${run.error}`) : ''} ${pc.dim(`(pool logs in as ${rotakitPool.stats().credentials.username})`)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    await rotate('single-user', singleRotations);
    if (alternatingRotations > 0) {
      // Switch the secret to alternating users: it names the master secret, whose account
      // creates `<user>_clone` with the same grants; rotations then flip between the two.
      const { SecretString } = await stack.client.send(
        new GetSecretValueCommand({ SecretId: secretArn }),
      );
      await stack.updateSecret(secretArn, {
        ...JSON.parse(SecretString ?? '{}'),
        masterarn: masterArn,
      });
      note(pc.dim('switched demo/app to alternating users (added masterarn)'));
      await rotate('alternating-users', alternatingRotations);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(ticker);
    const rotakitResult = await loads.rotakit.stop();
    const plainResult = await loads.plain?.stop();
    if (tty) process.stdout.write('\r\x1b[2K');

    console.log(pc.bold('\nNetwork path a rotation function here would use (netcheck):'));
    const report = await checkRotationPath({
      secretId: secretArn,
      client: stack.client,
      timeoutMs: 5000,
    });
    console.log(
      formatReport(report, { color: tty })
        .split('\n')
        .map((line) => `  ${line}`)
        .join('\n'),
    );

    const stats = rotakitPool.stats();
    const calls = stack.secretsManagerCalls();
    const table = new Table({
      head: ['', rotakitPool.label, ...(plainResult && plainPool ? [plainPool.label] : [])],
      style: tty ? {} : { head: [], border: [] },
    });
    const both = (a: string | number, b: string | number) => [a, ...(plainResult ? [b] : [])];
    table.push(
      { 'queries ok': both(rotakitResult.ok, plainResult?.ok ?? '') },
      { 'queries failed': both(rotakitResult.failed, plainResult?.failed ?? '') },
      {
        'errors seen': both(
          [...rotakitResult.errors].map(([k, v]) => `${k} x${v}`).join('\n') || '-',
          [...(plainResult?.errors ?? [])].map(([k, v]) => `${k} x${v}`).join('\n') || '-',
        ),
      },
      { 'access denied on login': both(stats.authFailures, '') },
      { 'rotation windows bridged with AWSPENDING': both(stats.pendingProbeSuccesses, '') },
      { 'old-user connections retired': both(stats.retiredConnections, '') },
      { 'longest rotation window seen': both(`${stats.longestRotationWindowMs} ms`, '') },
      { 'Secrets Manager fetches by the pool': both(stats.cache.fetches, 'once, at start') },
    );
    console.log(pc.bold('\nSummary'));
    console.log(
      `  rotations: ${rotations.filter((r) => r.ok).length}/${rotations.length} succeeded ` +
        `(${singleRotations} single-user, ${alternatingRotations} alternating-users); ` +
        `time ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    if (calls) {
      console.log(
        `  Secrets Manager calls (all clients): ${Object.entries(calls)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')}`,
      );
    }
    console.log(table.toString());

    const allRotated = rotations.every((r) => r.ok);
    const pass = rotakitResult.failed === 0 && allRotated && rotakitResult.ok > 0;
    if (pass) {
      console.log(
        pc.green(`\n✓ rotakit: zero failed queries across ${rotations.length} rotations.`) +
          (plainResult?.failed
            ? ` The plain pool failed ${plainResult.failed} times: new logins used a stale password.`
            : ''),
      );
    } else {
      console.log(
        pc.red(
          `\n✗ rotakit side: ${rotakitResult.failed} failed queries; rotations ok: ${allRotated}.`,
        ),
      );
    }
    return pass ? 0 : 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await stack.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(pc.red(`demo failed: ${error.name}: ${error.message}`));
    process.exitCode = 1;
  },
);
