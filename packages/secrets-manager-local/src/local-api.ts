import type { IncomingMessage, ServerResponse } from 'node:http';
import { SecretsManagerLocalError } from './errors.js';
import type { FaultSpec } from './faults.js';
import { lambdaDefinitionFromJson } from './lambda/definition.js';
import type { CreateRdsManagedSecretOptions } from './managed/options.js';
import type { SecretsManagerLocal } from './start.js';

const MAX_LOCAL_BODY = 64 * 1024;

/** One `/_local/<resource>/<id>/<action>` request, decoded. */
interface LocalRequest {
  readonly api: SecretsManagerLocal;
  readonly url: URL;
  readonly method: string;
  readonly id: string | undefined;
  readonly action: string | undefined;
  readonly body: Record<string, unknown>;
  readonly res: ServerResponse;
}

/** Answers the request and returns true, or returns false when it has no such method or path. */
type LocalRoute = (request: LocalRequest) => boolean | Promise<boolean>;

/**
 * The `/_local/...` routes: the JS API's extras over HTTP, for non-JS clients and the CLI.
 * Not part of the AWS API; no signature required.
 */
export async function handleLocalRequest(
  api: SecretsManagerLocal,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const method = req.method ?? 'GET';
  try {
    const [resource, id, action] = url.pathname.split('/').slice(2).map(decodeURIComponent);
    const body = await readJson(req);
    const request: LocalRequest = { api, url, method, id, action, body, res };
    const route = url.pathname.startsWith('/moto-api/')
      ? motoReset
      : LOCAL_ROUTES.get(resource ?? '');
    if (!(await route?.(request))) notFound(request);
  } catch (error) {
    replyError(res, error);
  }
}

const health: LocalRoute = ({ api, method, res }) => {
  if (method !== 'GET') return false;
  reply(res, 200, { status: 'ok', endpoint: api.endpoint, region: api.region });
  return true;
};

const reset: LocalRoute = async ({ api, method, res }) => {
  if (method !== 'POST') return false;
  await api.reset();
  reply(res, 200, {});
  return true;
};

const counts: LocalRoute = ({ api, method, res }) => {
  if (method === 'GET') reply(res, 200, { counts: api.counts() });
  else if (method === 'DELETE') {
    api.resetCounts();
    reply(res, 200, {});
  } else return false;
  return true;
};

const faults: LocalRoute = ({ api, method, id, body, res }) => {
  if (id !== undefined) {
    if (method !== 'DELETE') return false;
    reply(res, api.faults.remove(id) ? 200 : 404, {});
  } else if (method === 'GET') reply(res, 200, { faults: api.faults.list() });
  else if (method === 'POST') {
    const handle = api.faults.add(body as unknown as FaultSpec);
    reply(res, 200, { id: handle.id });
  } else if (method === 'DELETE') {
    api.faults.clear();
    reply(res, 200, {});
  } else return false;
  return true;
};

const rotationFunctions: LocalRoute = ({ api, method, body, res }) => {
  if (method !== 'POST') return false;
  const { arn, url: target, timeoutMs } = body;
  if (typeof arn === 'string' && body.codeDirectory !== undefined) {
    // A deployment artifact, run under the runtime interface client as Lambda runs it.
    api.registerRotationFunction(arn, lambdaDefinitionFromJson(body));
  } else if (typeof arn === 'string' && typeof target === 'string') {
    api.registerRotationFunction(arn, target, {
      timeoutMs: typeof timeoutMs === 'number' ? timeoutMs : undefined,
    });
  } else {
    reply(res, 400, {
      error: 'InvalidOptionError',
      message:
        'expected { "arn": string, "url": string, "timeoutMs"?: number } or { "arn": string, "codeDirectory": string, "handler": string, ... }',
    });
    return true;
  }
  reply(res, 200, {});
  return true;
};

/** The body is `createRdsManagedSecret`'s options as JSON; checked there. */
const rdsManagedSecrets: LocalRoute = async ({ api, method, body, res }) => {
  if (method !== 'POST') return false;
  const created = await api.createRdsManagedSecret(
    body as unknown as CreateRdsManagedSecretOptions,
  );
  reply(res, 200, created);
  return true;
};

const tick: LocalRoute = ({ api, method, body, res }) => {
  if (method !== 'POST') return false;
  const at = body.now;
  const started = api.tick(
    typeof at === 'number' || typeof at === 'string' ? new Date(at) : undefined,
  );
  reply(res, 200, { started });
  return true;
};

const rotations: LocalRoute = async (request) => {
  const { api, method, id, action, url, res } = request;
  if (id === undefined) return false;
  if (method === 'GET' && action === undefined) {
    if (url.searchParams.has('wait'))
      reply(res, 200, { rotation: await waitForRotation(request, id) });
    else reply(res, 200, { rotations: api.rotations(id) });
    return true;
  }
  if (method === 'POST' && action === 'retry') {
    reply(res, 200, { rotation: await api.retryRotation(id) });
    return true;
  }
  return false;
};

/** `?wait`: held until the rotation ends, or the client goes away. */
function waitForRotation({ api, url, res }: LocalRequest, secretId: string) {
  const timeout = url.searchParams.get('timeoutMs');
  const token = url.searchParams.get('token');
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return api.waitForRotation(secretId, {
    signal: controller.signal,
    timeoutMs: timeout === null ? undefined : Number(timeout),
    token: token ?? undefined,
  });
}

const LOCAL_ROUTES: ReadonlyMap<string, LocalRoute> = new Map([
  ['health', health],
  ['reset', reset],
  ['counts', counts],
  ['faults', faults],
  ['rotation-functions', rotationFunctions],
  ['rds-managed-secrets', rdsManagedSecrets],
  ['tick', tick],
  ['rotations', rotations],
]);

/**
 * `POST /moto-api/reset`, as moto serves it, so a suite whose harness resets moto between
 * tests can point at this server unchanged. It is `/_local/reset` under moto's name.
 */
const motoReset: LocalRoute = async ({ api, url, method, res }) => {
  if (url.pathname !== '/moto-api/reset' || method !== 'POST') return false;
  await api.reset();
  reply(res, 200, { status: 'ok' });
  return true;
};

function notFound({ url, method, res }: LocalRequest): void {
  reply(res, 404, { error: 'NotFound', message: `No local route ${method} ${url.pathname}` });
}

/** Our errors are the caller's fault (400, or 404 for an unknown secret); others are ours. */
function replyError(res: ServerResponse, error: unknown): void {
  if (error instanceof SecretsManagerLocalError) {
    reply(res, error.name === 'UnknownSecretError' ? 404 : 400, {
      error: error.name,
      message: error.message,
    });
    return;
  }
  // The client of a ?wait request went away: no one to answer and nothing went wrong.
  if (res.destroyed && error instanceof Error && error.name === 'AbortError') return;
  if (error instanceof URIError) {
    reply(res, 400, { error: 'BadRequest', message: 'Malformed percent-encoding in the path' });
    return;
  }
  reply(res, 500, { error: 'InternalError', message: 'Unexpected error; see the server log' });
  throw error;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_LOCAL_BODY)
      throw new SecretsManagerLocalError('Request body too large for a /_local route');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (cause) {
    throw new SecretsManagerLocalError('The /_local request body is not valid JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretsManagerLocalError('The /_local request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
