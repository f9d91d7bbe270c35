import type { Duplex } from 'node:stream';
import type { Deadline } from '../util/deadline.js';

/**
 * What a reader makes of the bytes received so far: `stop` (enough, or another protocol:
 * stop reading at once), `{ take }` (the first `take` bytes are the frame), or undefined
 * (keep reading).
 */
export type FrameDecision = 'stop' | { take: number } | undefined;

/**
 * Reads a server's first frame (a MySQL packet, a PostgreSQL message or answer) within
 * `deadline`. A peer that closes mid-frame gives what it sent, for the parser to call
 * truncated; one that closes before sending anything is a reset.
 */
export function readFirstFrame(
  socket: Duplex,
  deadline: Deadline,
  decide: (received: Buffer) => FrameDecision,
  what: string,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const cleanup = () => {
      deadline.signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
    };
    const settle = (value: Buffer | Error) => {
      cleanup();
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    const onAbort = () => settle(deadline.signal.reason as Error);
    const onError = (error: Error) => settle(error);
    const onEnd = () => {
      if (buffer.length > 0) return settle(buffer);
      settle(
        Object.assign(new Error(`server closed the connection before its ${what}`), {
          code: 'ECONNRESET',
        }),
      );
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const decision = decide(buffer);
      if (decision === 'stop') settle(buffer);
      else if (decision) settle(buffer.subarray(0, decision.take));
    };
    if (deadline.signal.aborted) return onAbort();
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
  });
}
