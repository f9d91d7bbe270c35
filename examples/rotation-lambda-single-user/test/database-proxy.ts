// A loopback TCP proxy in front of the test MariaDB, to put database faults between the
// rotation function and the server: the secret's host/port point at the proxy.
import net, { type AddressInfo, type Socket } from 'node:net';

/** `forward`: a working database; `reset`: every connection is reset at once (RST);
 * `stall`: connections are accepted and never answered (a black hole). */
export type ProxyMode = 'forward' | 'reset' | 'stall';

export interface DatabaseProxy extends AsyncDisposable {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The mode, or a function deciding it for each new connection. */
  mode: ProxyMode | (() => ProxyMode);
  /** Connections accepted so far, per mode they met. */
  readonly connections: Record<ProxyMode, number>;
  close(): Promise<void>;
}

export async function startDatabaseProxy(target: {
  host: string;
  port: number;
}): Promise<DatabaseProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A reset or a cut upstream surfaces here; the other side is destroyed with it.
    socket.on('error', () => socket.destroy());
  };
  const proxy = {
    host: '127.0.0.1' as const,
    port: 0,
    mode: 'forward' as DatabaseProxy['mode'],
    connections: { forward: 0, reset: 0, stall: 0 },
  };
  const server = net.createServer((client) => {
    track(client);
    const mode = typeof proxy.mode === 'function' ? proxy.mode() : proxy.mode;
    proxy.connections[mode]++;
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'stall') return;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.port = (server.address() as AddressInfo).port;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return Object.assign(proxy, { close, [Symbol.asyncDispose]: close });
}
