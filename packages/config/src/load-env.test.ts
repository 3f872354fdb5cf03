import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { integer, saslIncomplete } from './env-fields.ts';
import { loadEnv } from './load-env.ts';

const schema = z.object({
  PORT: integer(0, 65_535).default(8080),
  KAFKA_SASL_MECHANISM: z.enum(['plain']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
});

describe('loadEnv', () => {
  it('treats an empty variable as unset and ignores variables the schema does not know', () => {
    expect(loadEnv(schema, { PORT: '', HOME: '/root' })).toEqual({
      ok: true,
      value: { PORT: 8080 },
    });
  });

  it('names every bad variable on a line of its own', () => {
    const result = loadEnv(schema, { PORT: 'x', KAFKA_SASL_MECHANISM: 'kerberos' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.split('\n')).toEqual([
      'Invalid configuration:',
      '  PORT: must be a whole number',
      expect.stringMatching(/^ {2}KAFKA_SASL_MECHANISM: /),
    ]);
  });

  it('runs the cross checks once every variable is valid', () => {
    expect(loadEnv(schema, { KAFKA_SASL_USERNAME: 'u' }, [saslIncomplete])).toEqual({
      ok: false,
      error:
        'Invalid configuration:\n  KAFKA_SASL_MECHANISM: set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD together',
    });
  });
});
