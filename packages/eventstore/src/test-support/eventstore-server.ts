import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * An EventStoreDB server for integration tests, first that applies:
 * 1. `EVENTSTORE_URL` (e.g. `esdb://localhost:2113?tls=false`), used as is;
 * 2. a Docker engine answers: `eventstore/eventstore` in insecure, in-memory mode through
 *    testcontainers (loaded only then; it must be resolvable from this package);
 * 3. none: `{ skip }` says exactly why, for the test name.
 */
export type EventStoreServer =
  { url: string; source: string; stop(): Promise<void> } | { skip: string };

/** The image tag: 24.10 is the last EventStoreDB LTS before the KurrentDB rename. */
export const EVENTSTORE_IMAGE = 'eventstore/eventstore:24.10';

export async function eventStoreServer(): Promise<EventStoreServer> {
  const given = process.env['EVENTSTORE_URL']?.trim();
  if (given) return { url: given, source: 'EVENTSTORE_URL', stop: async () => {} };
  const docker = dockerEndpoint();
  if (docker === undefined || !(await dockerAnswers(docker))) {
    return { skip: 'no EVENTSTORE_URL, no Docker engine reachable' };
  }
  return startContainer();
}

async function startContainer(): Promise<EventStoreServer> {
  // A variable specifier: testcontainers is optional here (not a dependency of this package).
  const specifier = 'testcontainers';
  let testcontainers: TestcontainersModule;
  try {
    testcontainers = (await import(specifier)) as TestcontainersModule;
  } catch {
    return {
      skip: 'no EVENTSTORE_URL; a Docker engine answers but testcontainers cannot be loaded from @checkout/eventstore',
    };
  }
  const { GenericContainer, Wait } = testcontainers;
  const container = await new GenericContainer(EVENTSTORE_IMAGE)
    .withExposedPorts(2113)
    .withEnvironment({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_MEM_DB: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'None',
      EVENTSTORE_CLUSTER_SIZE: '1',
    })
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
    .withStartupTimeout(120_000)
    .start();
  return {
    url: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
    source: `docker ${EVENTSTORE_IMAGE}`,
    stop: async () => {
      await container.stop();
    },
  };
}

/** The slice of testcontainers used here. */
interface TestcontainersModule {
  GenericContainer: new (image: string) => ContainerBuilder;
  Wait: { forHttp(path: string, port: number): { forStatusCode(code: number): unknown } };
}
interface ContainerBuilder {
  withExposedPorts(...ports: number[]): ContainerBuilder;
  withEnvironment(environment: Record<string, string>): ContainerBuilder;
  withWaitStrategy(strategy: unknown): ContainerBuilder;
  withStartupTimeout(ms: number): ContainerBuilder;
  start(): Promise<{
    getHost(): string;
    getMappedPort(port: number): number;
    stop(): Promise<unknown>;
  }>;
}

type DockerEndpoint = { socketPath: string } | { host: string; port: number };

function dockerEndpoint(): DockerEndpoint | undefined {
  const configured = process.env['DOCKER_HOST'];
  if (configured?.startsWith('unix://')) return { socketPath: configured.slice('unix://'.length) };
  if (configured?.startsWith('tcp://')) {
    const url = new URL(configured.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    ...(process.env['XDG_RUNTIME_DIR']
      ? [join(process.env['XDG_RUNTIME_DIR'], 'docker.sock')]
      : []),
  ];
  const socketPath = sockets.find((path) => existsSync(path));
  return socketPath === undefined ? undefined : { socketPath };
}

/** `GET /_ping` answers within a second. */
function dockerAnswers(endpoint: DockerEndpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...endpoint, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
