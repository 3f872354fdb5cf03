import { describe, expect, it } from 'vitest';
import { kafkaConfig } from './kafka-config.ts';
import { kafkaLogCreator, type KafkaLog } from './kafka-log.ts';

describe('kafkaConfig', () => {
  it('defaults to plaintext, a client id and short kafkajs retries', () => {
    const config = kafkaConfig({ brokers: ['b1:9092', 'b2:9092'] });
    expect(config).toMatchObject({
      brokers: ['b1:9092', 'b2:9092'],
      clientId: 'checkout-projector',
    });
    expect(config.ssl).toBeUndefined();
    expect(config.sasl).toBeUndefined();
    expect(config.retry?.retries).toBe(5);
  });

  it('maps TLS with a private CA and SCRAM credentials', () => {
    const config = kafkaConfig({
      brokers: ['b:9093'],
      ssl: { ca: '-----BEGIN CERTIFICATE-----' },
      sasl: { mechanism: 'scram-sha-512', username: 'projector', password: 'secret' },
    });
    expect(config.ssl).toEqual({ ca: ['-----BEGIN CERTIFICATE-----'], rejectUnauthorized: true });
    expect(config.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'projector',
      password: 'secret',
    });
  });

  it('maps TLS with the system CAs and SASL PLAIN', () => {
    const config = kafkaConfig({
      brokers: ['b:9093'],
      ssl: true,
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
    });
    expect(config.ssl).toBe(true);
    expect(config.sasl).toMatchObject({ mechanism: 'plain' });
  });

  it('refuses an empty broker list', () => {
    expect(() => kafkaConfig({ brokers: [] })).toThrow(/broker/);
  });
});

describe('kafkaLogCreator', () => {
  it('forwards kafkajs lines as structured entries at the matching level', () => {
    const lines: Array<[string, Record<string, unknown>, string]> = [];
    const record = (level: string) => (fields: Record<string, unknown>, message: string) =>
      lines.push([level, fields, message]);
    const log: KafkaLog = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const write = kafkaLogCreator(log)(4);
    const entry = (level: number, message: string) => ({
      namespace: 'Consumer',
      level,
      label: 'X',
      log: { timestamp: 't', logger: 'kafkajs', message, groupId: 'g' },
    });
    write(entry(1, 'Crash'));
    write(entry(2, 'slow'));
    write(entry(4, 'joined'));
    write(entry(5, 'fetch'));
    expect(lines).toEqual([
      ['error', { kafkajs: 'Consumer', groupId: 'g' }, 'Crash'],
      ['warn', { kafkajs: 'Consumer', groupId: 'g' }, 'slow'],
      ['info', { kafkajs: 'Consumer', groupId: 'g' }, 'joined'],
      ['debug', { kafkajs: 'Consumer', groupId: 'g' }, 'fetch'],
    ]);
  });
});
