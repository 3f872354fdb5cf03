import { createServer } from 'node:net';

/** Options for {@link findFreePort}. */
export interface FindFreePortOptions {
  /**
   * Also require port + 1 to be free (a Kafka broker puts its KRaft controller there).
   * @default false
   */
  withNext?: boolean;
  /**
   * How many candidate ports to try before giving up.
   * @default 20
   */
  attempts?: number;
}

const host = '127.0.0.1';

/** True when a TCP listener can bind `127.0.0.1:<port>` right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('free-port: the OS gave no port'));
      });
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Another process may still take it before
 * the caller binds it; callers that start servers treat "address in use" as a reason to retry.
 */
export async function findFreePort(options: FindFreePortOptions = {}): Promise<number> {
  const attempts = options.attempts ?? 20;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const port = await ephemeralPort();
    if (!options.withNext) return port;
    if (port < 65_535 && (await isPortFree(port + 1))) return port;
  }
  throw new Error(
    `free-port: no free port${options.withNext ? ' pair' : ''} after ${attempts} tries`,
  );
}
