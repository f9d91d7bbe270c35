// Prisma 7 (the prisma-client generator, @prisma/adapter-mariadb) on a rotakit pool through
// @rotakit/secret-pool/prisma: real Prisma queries by 32 workers through RotateSecret
// rotations (both strategies), an interactive transaction across a rotation, a wrong secret,
// and the value types Prisma reads back through the mariadb-shaped pool.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prismaAdapter } from '../../src/adapters/prisma.js';
import { LoginGuardError, type SecretPool } from '../../src/index.js';
import {
  loadedPoolOptions,
  type OrmStack,
  type OrmWorkload,
  type RotationStrategy,
  rotateUnderOrmLoad,
  startOrmStack,
} from './orm-load.js';

const SCHEMA = fileURLToPath(new URL('./prisma/schema.prisma', import.meta.url));
const CREATE_ITEMS = `CREATE TABLE items (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  big BIGINT NULL,
  price DECIMAL(12, 2) NULL,
  data JSON NULL,
  \`blob\` BLOB NULL,
  createdAt DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
)`;

/** The generated client's constructor (its module is generated in beforeAll). */
type PrismaClientClass = new (options: { adapter: unknown }) => PrismaLike;

interface ItemRow {
  id: number;
  name: string;
  big: bigint | null;
  price: { toString(): string } | null;
  data: unknown;
  blob: Uint8Array | null;
  createdAt: Date;
}

interface ItemDelegate {
  findUnique(args: { where: { id: number } }): Promise<ItemRow | null>;
  findMany(args?: { orderBy?: { id: 'asc' } }): Promise<ItemRow[]>;
  create(args: { data: Partial<ItemRow> & { name: string } }): Promise<ItemRow>;
  count(): Promise<number>;
}

interface PrismaLike {
  item: ItemDelegate;
  $transaction<T>(fn: (tx: { item: ItemDelegate }) => Promise<T>, options?: object): Promise<T>;
  $disconnect(): Promise<void>;
}

let stack: OrmStack;
let PrismaClient: PrismaClientClass;
let generatedDir: string | undefined;

/**
 * `prisma generate` runs offline: the CLI only checks that a schema engine binary exists
 * before any command (generate itself does not run it), so any file stands in for it. Each
 * run generates into its own folder (inside the package, so the client resolves
 * `@prisma/client` from here), removed afterwards: parallel runs do not share it.
 */
async function generateClient(): Promise<PrismaClientClass> {
  generatedDir = mkdtempSync(join(dirname(SCHEMA), 'generated-'));
  const schema = join(generatedDir, 'schema.prisma');
  writeFileSync(schema, readFileSync(SCHEMA, 'utf8').replace('"./generated"', '"./client"'));
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  await promisify(execFile)(process.execPath, [cli, 'generate', '--schema', schema], {
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath },
  });
  const module = (await import(pathToFileURL(join(generatedDir, 'client', 'client.ts')).href)) as {
    PrismaClient: PrismaClientClass;
  };
  return module.PrismaClient;
}

beforeAll(async () => {
  [stack, PrismaClient] = await Promise.all([startOrmStack(), generateClient()]);
});

afterAll(async () => {
  await stack?.close();
  if (generatedDir !== undefined) rmSync(generatedDir, { recursive: true, force: true });
});

/** A PrismaClient on a rotakit pool for a new secret, with an `items` table holding one row. */
async function prismaFor(
  strategy: RotationStrategy,
): Promise<{ prisma: PrismaLike; pool: SecretPool }> {
  const secret = await stack.secret(strategy);
  await stack.admin(secret.user.database, CREATE_ITEMS);
  await stack.admin(secret.user.database, "INSERT INTO items (name) VALUES ('first')");
  const adapter = prismaAdapter({
    secretId: secret.name,
    client: stack.client,
    ...loadedPoolOptions(strategy),
  });
  return { prisma: new PrismaClient({ adapter }), pool: adapter.secretPool };
}

function prismaWorkload(prisma: PrismaLike, pool: SecretPool): OrmWorkload {
  return {
    query: () => prisma.item.findUnique({ where: { id: 1 } }),
    async queryOnNewConnection() {
      // Prisma has no handle on its connections: close one of the pool's, as a lost
      // connection, so a login follows; then the Prisma query.
      const connection = await pool.getConnection();
      connection.destroy();
      return prisma.item.findUnique({ where: { id: 1 } });
    },
  };
}

describe('Prisma through RotateSecret rotations under load', () => {
  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`5 ${strategy} rotations: zero failed Prisma queries, bounded Secrets Manager calls`, async () => {
      const { prisma, pool } = await prismaFor(strategy);
      try {
        const { result, windowCallsPerRotation } = await rotateUnderOrmLoad({
          label: 'prisma',
          stack,
          secretId: pool.secretId,
          strategy,
          rotations: 5,
          workload: prismaWorkload(prisma, pool),
          cacheStats: () => pool.stats().cache,
        });
        expect(result.failed).toBe(0);
        expect(result.ok).toBeGreaterThan(300);
        // At most AWSCURRENT + AWSPENDING for a window; the TTL refreshes on top (printed)
        // grow with the run's length, which a busy machine stretches.
        expect(windowCallsPerRotation).toBeLessThanOrEqual(2);
        const stats = pool.stats();
        expect(stats.connectionsOpened).toBeGreaterThan(5);
        if (strategy === 'single-user') expect(stats.pendingProbeSuccesses).toBeGreaterThan(0);
        else expect(stats.credentialRefreshes).toBeGreaterThanOrEqual(5);
      } finally {
        await prisma.$disconnect();
      }
    });
  }
});

describe('Prisma transactions, errors and values', () => {
  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`an interactive transaction spanning a ${strategy} rotation commits`, async () => {
      const { prisma, pool } = await prismaFor(strategy);
      try {
        await prisma.$transaction(
          async (tx) => {
            await tx.item.create({ data: { name: 'before' } });
            await stack.rotate(pool.secretId, strategy);
            // New logins need the new password now; this transaction's session is unaffected.
            const counts = await Promise.all(Array.from({ length: 4 }, () => prisma.item.count()));
            expect(counts).toEqual([1, 1, 1, 1]);
            await tx.item.create({ data: { name: 'after' } });
          },
          { timeout: 30_000 },
        );
        const names = (await prisma.item.findMany({ orderBy: { id: 'asc' } })).map((i) => i.name);
        expect(names).toEqual(['first', 'before', 'after']);
      } finally {
        await prisma.$disconnect();
      }
    });
  }

  it("a wrong secret rejects the Prisma query with rotakit's typed error, not a hang", async () => {
    const secret = await stack.wrongSecret();
    const adapter = prismaAdapter({ secretId: secret.name, client: stack.client });
    const prisma = new PrismaClient({ adapter });
    try {
      const error = await prisma.item.count().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      // Prisma's adapter first reads the server version and swallows that query's error (the
      // AuthenticationError); the query then meets the login guard: the password was refused
      // and Secrets Manager has nothing newer. Either way, rotakit's typed error as is.
      expect(error).toBeInstanceOf(LoginGuardError);
      expect(error).toMatchObject({ secretId: secret.name, reason: 'password-refused' });
      expect(String(error?.stack)).not.toContain(secret.user.password);
      expect(String(error?.message)).not.toContain(secret.user.password);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('values read back through the mariadb-shaped pool keep their Prisma types', async () => {
    const { prisma } = await prismaFor('single-user');
    try {
      const createdAt = new Date('2026-01-02T03:04:05.678Z');
      const created = await prisma.item.create({
        data: {
          name: 'typed',
          big: 9007199254740993n,
          price: '1234567890.12' as never,
          data: { nested: [1, 'two', null] },
          blob: new Uint8Array([0, 255, 7]),
          createdAt,
        },
      });
      const read = await prisma.item.findUnique({ where: { id: created.id } });
      expect(read?.id).toBe(2);
      expect(read?.big).toBe(9007199254740993n);
      expect(read?.price?.toString()).toBe('1234567890.12');
      expect(read?.data).toEqual({ nested: [1, 'two', null] });
      expect(Array.from(read?.blob ?? [])).toEqual([0, 255, 7]);
      expect(read?.createdAt.toISOString()).toBe(createdAt.toISOString());
    } finally {
      await prisma.$disconnect();
    }
  });
});
