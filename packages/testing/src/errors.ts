/** Base class for every error thrown by `@rotakit/testing`. */
export class TestingError extends Error {
  override readonly name: string = 'TestingError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** No MariaDB/MySQL server binary was found and no external server was configured. */
export class MysqlBinaryNotFoundError extends TestingError {
  override readonly name: string = 'MysqlBinaryNotFoundError';
  readonly searched: readonly string[];
  constructor(searched: readonly string[]) {
    super(
      'No MariaDB/MySQL server binary found (looked for mariadbd/mysqld on PATH and in ' +
        `${searched.join(', ')}). Install one with \`apt-get install -y mariadb-server\`, ` +
        'or set ROTAKIT_TEST_MYSQL_URL=mysql://ADMIN:PASSWORD@HOST:PORT to use an existing server.',
    );
    this.searched = searched;
  }
}

/** The server process did not become ready, or exited during startup. */
export class MysqlStartError extends TestingError {
  override readonly name: string = 'MysqlStartError';
  readonly logTail: string;
  constructor(message: string, logTail: string, options?: ErrorOptions) {
    super(logTail ? `${message}\n--- server log (tail) ---\n${logTail}` : message, options);
    this.logTail = logTail;
  }
}

/** Context of an {@link AdminStatementError}. */
export interface AdminStatementErrorContext {
  cause?: unknown;
  /** The kind of statement (`CREATE USER`, `GRANT`), never its text. */
  statement: string;
  errno?: number | undefined;
  code?: string | undefined;
  sqlState?: string | undefined;
}

/**
 * A statement a helper ran as the admin failed. Names the statement and the driver's codes;
 * a statement that carries a password keeps the driver's message and SQL text out.
 */
export class AdminStatementError extends TestingError {
  override readonly name: string = 'AdminStatementError';
  readonly statement: string;
  readonly errno: number | undefined;
  readonly code: string | undefined;
  readonly sqlState: string | undefined;
  constructor(message: string, context: AdminStatementErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.statement = context.statement;
    this.errno = context.errno;
    this.code = context.code;
    this.sqlState = context.sqlState;
  }
}
