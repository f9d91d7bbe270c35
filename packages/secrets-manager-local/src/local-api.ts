import type { IncomingMessage, ServerResponse } from 'node:http';
import { SecretsManagerLocalError } from './errors.js';
import type { FaultSpec } from './faults.js';
import { lambdaDefinitionFromJson } from './lambda/definition.js';
import type { SecretsManagerLocal } from './start.js';

const MAX_LOCAL_BODY = 64 * 1024;

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
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    const body = await readJson(req);
    if (url.pathname.startsWith('/moto-api/'))
      return await handleMotoRequest(api, url, method, res);
    const [resource, id, action] = parts;
    if (resource === 'health' && method === 'GET') {
      return reply(res, 200, { status: 'ok', endpoint: api.endpoint, region: api.region });
    }
    if (resource === 'reset' && method === 'POST') {
      await api.reset();
      return reply(res, 200, {});
    }
    if (resource === 'counts') {
      if (method === 'GET') return reply(res, 200, { counts: api.counts() });
      if (method === 'DELETE') {
        api.resetCounts();
        return reply(res, 200, {});
      }
    }
    if (resource === 'faults') {
      if (method === 'GET' && id === undefined)
        return reply(res, 200, { faults: api.faults.list() });
      if (method === 'POST' && id === undefined) {
        const handle = api.faults.add(body as unknown as FaultSpec);
        return reply(res, 200, { id: handle.id });
      }
      if (method === 'DELETE' && id === undefined) {
        api.faults.clear();
        return reply(res, 200, {});
      }
      if (method === 'DELETE' && id !== undefined) {
        return reply(res, api.faults.remove(id) ? 200 : 404, {});
      }
    }
    if (resource === 'rotation-functions' && method === 'POST') {
      const { arn, url: target, timeoutMs } = body;
      // A deployment artifact, run under the runtime interface client as Lambda runs it.
      if (typeof arn === 'string' && body.codeDirectory !== undefined) {
        api.registerRotationFunction(arn, lambdaDefinitionFromJson(body));
        return reply(res, 200, {});
      }
      if (typeof arn !== 'string' || typeof target !== 'string') {
        return reply(res, 400, {
          error: 'InvalidOptionError',
          message:
            'expected { "arn": string, "url": string, "timeoutMs"?: number } or { "arn": string, "codeDirectory": string, "handler": string, ... }',
        });
      }
      api.registerRotationFunction(arn, target, typeof timeoutMs === 'number' ? { timeoutMs } : {});
      return reply(res, 200, {});
    }
    if (resource === 'tick' && method === 'POST') {
      const at = body.now;
      const started = api.tick(
        typeof at === 'number' || typeof at === 'string' ? new Date(at) : undefined,
      );
      return reply(res, 200, { started });
    }
    if (resource === 'rotations' && id !== undefined) {
      if (method === 'GET' && action === undefined) {
        if (url.searchParams.has('wait')) {
          const timeout = url.searchParams.get('timeoutMs');
          const token = url.searchParams.get('token');
          const controller = new AbortController();
          res.once('close', () => controller.abort());
          const rotation = await api.waitForRotation(id, {
            signal: controller.signal,
            ...(timeout !== null && { timeoutMs: Number(timeout) }),
            ...(token !== null && { token }),
          });
          return reply(res, 200, { rotation });
        }
        return reply(res, 200, { rotations: api.rotations(id) });
      }
      if (method === 'POST' && action === 'retry') {
        return reply(res, 200, { rotation: await api.retryRotation(id) });
      }
    }
    reply(res, 404, { error: 'NotFound', message: `No local route ${method} ${url.pathname}` });
  } catch (error) {
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
}

/**
 * `POST /moto-api/reset`, as moto serves it, so a suite whose harness resets moto between
 * tests can point at this server unchanged. It is `/_local/reset` under moto's name.
 */
async function handleMotoRequest(
  api: SecretsManagerLocal,
  url: URL,
  method: string,
  res: ServerResponse,
): Promise<void> {
  if (url.pathname === '/moto-api/reset' && method === 'POST') {
    await api.reset();
    return reply(res, 200, { status: 'ok' });
  }
  reply(res, 404, { error: 'NotFound', message: `No local route ${method} ${url.pathname}` });
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
