// The Lambda Runtime API server on its own, over real HTTP: what a runtime interface client
// sees (the client itself runs in lambda-runtime.integ.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FunctionError,
  type OfferedInvocation,
  RuntimeApiServer,
} from '../src/lambda/runtime-api.js';

type Event =
  | ['taken', string, number]
  | ['response', string, string]
  | ['error', string, FunctionError]
  | ['initError', FunctionError];

const INVOCATION: OfferedInvocation = {
  requestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
  payload: '{"Step":"createSecret"}',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:rotate',
  traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0',
  timeoutMs: 5_000,
};

let api: RuntimeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function startApi(): Promise<{ base: string; events: Event[] }> {
  const events: Event[] = [];
  api = await RuntimeApiServer.start({
    taken: (id, deadline) => events.push(['taken', id, deadline]),
    response: (id, payload) => events.push(['response', id, payload]),
    error: (id, error) => events.push(['error', id, error]),
    initError: (error) => events.push(['initError', error]),
  });
  expect(api.address).toMatch(/^127\.0\.0\.1:\d+$/);
  return { base: `http://${api.address}/2018-06-01/runtime`, events };
}

describe('the Lambda Runtime API server', () => {
  it('holds invocation/next until there is an invocation, then sends it with Lambda headers', async () => {
    const { base, events } = await startApi();
    const next = fetch(`${base}/invocation/next`);
    // Nothing offered yet: the poll stays open.
    const early = await Promise.race([next.then(() => 'answered'), delay(200, 'held')]);
    expect(early).toBe('held');
    const before = Date.now();
    api?.offer(INVOCATION);
    const response = await next;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INVOCATION.payload);
    const deadline = Number(response.headers.get('lambda-runtime-deadline-ms'));
    expect(deadline).toBeGreaterThanOrEqual(before + INVOCATION.timeoutMs);
    expect(deadline).toBeLessThanOrEqual(Date.now() + INVOCATION.timeoutMs);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'lambda-runtime-aws-request-id': INVOCATION.requestId,
      'lambda-runtime-invoked-function-arn': INVOCATION.invokedFunctionArn,
      'lambda-runtime-trace-id': INVOCATION.traceId,
      'content-type': 'application/json',
    });
    expect(events).toEqual([['taken', INVOCATION.requestId, deadline]]);
  });

  it('takes the response of the invocation it handed out, and refuses other request ids', async () => {
    const { base, events } = await startApi();
    api?.offer(INVOCATION);
    await (await fetch(`${base}/invocation/next`)).text();
    const wrong = await fetch(`${base}/invocation/not-this-one/response`, {
      method: 'POST',
      body: '{}',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      errorType: 'InvalidRequestID',
      errorMessage: 'Invalid request ID',
    });
    const ok = await fetch(`${base}/invocation/${INVOCATION.requestId}/response`, {
      method: 'POST',
      body: '{"done":true}',
    });
    expect(ok.status).toBe(202);
    expect(events.at(-1)).toEqual(['response', INVOCATION.requestId, '{"done":true}']);
    // Answered once: a second answer for the same id is refused too.
    const again = await fetch(`${base}/invocation/${INVOCATION.requestId}/error`, {
      method: 'POST',
      body: '{}',
    });
    expect(again.status).toBe(400);
  });

  it('passes on an invocation error, taking the type from the body or the header', async () => {
    const { base, events } = await startApi();
    for (const [body, expected] of [
      [
        '{"errorType":"DatabaseLoginError","errorMessage":"refused","stackTrace":[]}',
        { errorType: 'DatabaseLoginError', errorMessage: 'refused' },
      ],
      ['not json', { errorType: 'Runtime.Unknown', errorMessage: 'not json' }],
    ] as const) {
      api?.offer(INVOCATION);
      await (await fetch(`${base}/invocation/next`)).text();
      const posted = await fetch(`${base}/invocation/${INVOCATION.requestId}/error`, {
        method: 'POST',
        headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.Unknown' },
        body,
      });
      expect(posted.status).toBe(202);
      expect(events.at(-1)).toEqual(['error', INVOCATION.requestId, expected]);
    }
  });

  it('passes on an init error', async () => {
    const { base, events } = await startApi();
    const posted = await fetch(`${base}/init/error`, {
      method: 'POST',
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' },
      body: '{"errorMessage":"Cannot find module \'index\'"}',
    });
    expect(posted.status).toBe(202);
    expect(events).toEqual([
      [
        'initError',
        { errorType: 'Runtime.ImportModuleError', errorMessage: "Cannot find module 'index'" },
      ],
    ]);
  });

  it('answers 413 to a response over 6 MB, and fails the invocation', async () => {
    const { base, events } = await startApi();
    api?.offer(INVOCATION);
    await (await fetch(`${base}/invocation/next`)).text();
    const posted = await fetch(`${base}/invocation/${INVOCATION.requestId}/response`, {
      method: 'POST',
      body: `"${'x'.repeat(6 * 1024 * 1024)}"`,
    });
    expect(posted.status).toBe(413);
    expect(events.at(-1)).toMatchObject([
      'error',
      INVOCATION.requestId,
      { errorType: 'Function.ResponseSizeTooLarge' },
    ]);
  });

  it('answers 404 to anything else', async () => {
    const { base } = await startApi();
    expect((await fetch(`${base}/invocation/next`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/../../2015-03-31/functions`)).status).toBe(404);
  });
});

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}
