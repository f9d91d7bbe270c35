import { createServer } from 'node:net';

/** Asks the kernel for a free TCP port on `host`. Another process may still take it before we bind. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    // Unref'd: nothing waits on it being open (docs/architecture.md "Timers and the event loop").
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not read the port bound on ${host}`));
      });
    });
  });
}
