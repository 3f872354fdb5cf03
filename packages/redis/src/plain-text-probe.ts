import { connect } from 'node:net';

/**
 * True when `host:port` answers an inline `PING` in plain RESP (`+PONG`, `-NOAUTH …`): a Redis
 * port without TLS. Asked only after a TLS connection timed out: a plain Redis port takes the
 * TLS client hello for the start of an inline command and waits for its end, so the client
 * sees a timeout, never an answer it could recognise. Any other outcome (refused, silence,
 * bytes that are not RESP) is false: then it was not this misconfiguration.
 */
export function answersPlainText(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => done(/^[+-][A-Z]/.test(chunk.toString('latin1'))));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
