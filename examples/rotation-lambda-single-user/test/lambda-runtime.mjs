// A small stand-in for the Lambda Node.js runtime, run as its own process: imports the
// bundled handler module named on the command line (as the runtime does for
// `Handler: index.handler`) and serves invocations on a loopback HTTP port, in the shape
// secrets-manager-local's invoke URLs expect (error -> X-Amz-Function-Error + errorType).
// The port goes to the parent over IPC because stdout carries the function's logs.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const [file, exportName = 'handler'] = process.argv.slice(2);
if (!file) throw new Error('usage: lambda-runtime.mjs <module file> [export name]');
const timeoutMs = Number(process.env.LAMBDA_TIMEOUT_MS ?? 60_000);
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'rotation';

const module = await import(pathToFileURL(file).href);
const handler = module[exportName];
if (typeof handler !== 'function') {
  throw new Error(`${file} does not export a function named ${exportName}`);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const server = http.createServer(async (req, res) => {
  const requestId = randomUUID();
  const deadline = Date.now() + timeoutMs;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const event = JSON.parse(await readBody(req));
    const result = await handler(event, context);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(result ?? null));
  } catch (error) {
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-amz-function-error': 'Unhandled',
    });
    res.end(
      JSON.stringify({
        errorType: error instanceof Error ? error.name : 'Error',
        errorMessage: error instanceof Error ? error.message : String(error),
      }),
    );
  }
});

function shutdown() {
  server.close();
  server.closeAllConnections();
  Promise.resolve(handler.close?.()).finally(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
