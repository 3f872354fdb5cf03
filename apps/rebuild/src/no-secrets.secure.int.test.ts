import { rebuildAclRules } from '@checkout/redis';
import { secureDeployment, secureEnv } from '@checkout/projector/testing';
import { describe, expect, it } from 'vitest';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';

/** Issue 10 §1: a wrong SASL password, in text or --json, is named but never printed. */
describe('checkout-rebuild output over TLS and SASL', () => {
  it('never prints a wrong SASL password, and says the login was refused', async () => {
    const {
      secure,
      harness,
      redisUser: user,
    } = await secureDeployment('no-secrets-rebuild-sasl', rebuildAclRules);
    const wrong = `${secure.kafka.plainUser.password.slice(0, -1)}!`;
    const env = rebuildEnv(harness, {
      ...secureEnv(secure, secure.kafka.plainUser, user),
      KAFKA_SASL_PASSWORD: wrong,
    });
    for (const args of [
      ['status'],
      ['status', '--json'],
      ['--from-offset', 'earliest', '--yes', '--json'],
      ['--verify', '--json', '--verbose'],
      ['dlq', 'list', '--verbose'],
    ]) {
      const run = await runRebuildCli(env, args);
      const output = run.stdout + run.stderr;
      expect(run.code, `${args.join(' ')}\n${output}`).toBe(2);
      expect(output, args.join(' ')).toMatch(
        /KAFKA_SASL_PASSWORD: the broker refused the SASL login/,
      );
      for (const secret of [wrong, secure.kafka.plainUser.password, user.password]) {
        expect(output, args.join(' ')).not.toContain(secret);
      }
    }
  });
});
