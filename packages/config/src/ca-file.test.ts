import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { redisCaWithoutTls, redisTlsCaFile, redisUrl } from './env-fields.ts';
import { loadEnv } from './load-env.ts';

const schema = z.object({ REDIS_URL: redisUrl().optional(), REDIS_TLS_CA_FILE: redisTlsCaFile });
const dir = mkdtempSync(join(tmpdir(), 'ca-file-test-'));
const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caPath = join(dir, 'ca.pem');
writeFileSync(caPath, pem);
const notPem = join(dir, 'key.txt');
writeFileSync(notPem, 'not a certificate');

describe('CA file settings', () => {
  it('reads the PEM once, while the configuration is validated', () => {
    const loaded = loadEnv(schema, { REDIS_URL: 'rediss://h:6380', REDIS_TLS_CA_FILE: caPath });
    expect(loaded.ok && loaded.value.REDIS_TLS_CA_FILE?.pem.toString()).toBe(pem);
  });

  it('fails fast naming the variable for a missing file or one without a certificate', () => {
    expect(loadEnv(schema, { REDIS_TLS_CA_FILE: join(dir, 'absent.pem') })).toEqual({
      ok: false,
      error: `Invalid configuration:\n  REDIS_TLS_CA_FILE: cannot read ${join(dir, 'absent.pem')} (ENOENT)`,
    });
    expect(loadEnv(schema, { REDIS_TLS_CA_FILE: notPem })).toEqual({
      ok: false,
      error: `Invalid configuration:\n  REDIS_TLS_CA_FILE: ${notPem} holds no PEM certificate`,
    });
  });

  it('refuses a Redis CA file with a plain redis:// URL', () => {
    expect(
      loadEnv(schema, { REDIS_URL: 'redis://h', REDIS_TLS_CA_FILE: caPath }, [redisCaWithoutTls]),
    ).toEqual({
      ok: false,
      error:
        'Invalid configuration:\n  REDIS_TLS_CA_FILE: set, but REDIS_URL is not rediss:// (TLS); use rediss:// or unset it',
    });
  });
});
