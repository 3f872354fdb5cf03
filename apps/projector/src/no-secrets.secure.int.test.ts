import { projectorAclRules } from '@checkout/redis';
import { describe, expect, it } from 'vitest';
import { produceStream } from './testing/produce-stream.ts';
import type { ProjectorProcess } from './testing/projector-process.ts';
import { secureDeployment, secureEnv } from './testing/secure-env.ts';
import { highWatermarks, waitForCheckpoints } from './testing/wait-for-checkpoints.ts';

/** Every byte of /readyz, /healthz and /metrics, polled until the process exits or `until`. */
async function captureHttp(
  projector: ProjectorProcess,
  port: number,
  until: Promise<unknown>,
): Promise<string> {
  let captured = '';
  let done = false;
  void until.finally(() => (done = true));
  void projector.exited.finally(() => (done = true));
  while (!done) {
    for (const path of ['/readyz', '/healthz', '/metrics']) {
      captured += await fetch(`http://127.0.0.1:${port}${path}`).then(
        (response) => response.text(),
        () => '',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return captured;
}

/**
 * Issue 10 §1, over the real SASL broker and TLS Redis: neither a password (right or wrong)
 * nor snapshot content appears in stdout, stderr, /metrics, /readyz or /healthz of a healthy
 * projector or of one whose SASL password is wrong; the error still names its cause.
 */
describe('checkout-projector output over TLS and SASL', () => {
  it('a healthy projector prints and serves no password and no snapshot', async () => {
    const {
      secure,
      harness,
      redisUser: user,
    } = await secureDeployment('no-secrets-secure', projectorAclRules);
    await produceStream(secure.kafka.plainBrokers, harness.topics, { seed: 3, records: 800 });
    const projector = await harness.start(secureEnv(secure, secure.kafka.scramUser, user));
    const caughtUp = waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: await highWatermarks(secure.kafka.plainBrokers, harness.topics),
      timeoutMs: 60_000,
    });
    const http = await captureHttp(projector, projector.port, caughtUp);
    await caughtUp;
    projector.kill('SIGTERM');
    expect((await projector.exited).code).toBe(0);
    const everything = `${projector.output.join('\n')}\n${http}`;
    expect(http).toContain('checkout_events_total');
    for (const secret of [user.password, secure.kafka.scramUser.password]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toContain('schema_version');
    expect(everything).not.toContain('"lines"');
  });

  it('a wrong SASL password: exit 2 naming KAFKA_SASL_PASSWORD, and no password anywhere', async () => {
    const {
      secure,
      harness,
      redisUser: user,
    } = await secureDeployment('no-secrets-sasl', projectorAclRules);
    // Wrong by one character: a near-miss is a real password too.
    const wrong = `${secure.kafka.scramUser.password.slice(0, -1)}!`;
    const projector = await harness.start(
      { ...secureEnv(secure, secure.kafka.scramUser, user), KAFKA_SASL_PASSWORD: wrong },
      { waitUntilReady: false },
    );
    const http = await captureHttp(projector, projector.port, projector.exited);
    expect((await projector.exited).code).toBe(2);
    const everything = `${projector.output.join('\n')}\n${http}`;
    expect(everything).toMatch(/KAFKA_SASL_PASSWORD: the broker refused the SASL login/);
    for (const secret of [wrong, secure.kafka.scramUser.password, user.password]) {
      expect(everything).not.toContain(secret);
    }
  });
});
