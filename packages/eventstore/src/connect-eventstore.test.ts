import { EngineError } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { connectEventStore, redact } from './connect-eventstore.ts';
import { eventStoreError } from './eventstore-errors.ts';

describe('connectEventStore', () => {
  it('creates a client from an esdb:// or kurrentdb:// string without connecting, and without the client deprecation warning', async () => {
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args);
    try {
      for (const url of [
        'esdb://admin:changeit@localhost:2113?tls=false',
        'kurrentdb://admin:changeit@localhost:2113?tls=false',
        'esdb+discover://cluster.example:2113',
      ]) {
        const client = connectEventStore(url);
        await client.dispose();
      }
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([]);
  });

  it('names the setting and hides the password when the scheme is wrong', () => {
    const attempt = () =>
      connectEventStore('http://admin:secret@localhost:2113', {
        setting: 'REBUILD_EVENTSTORE_URL',
      });
    expect(attempt).toThrow(EngineError);
    expect(attempt).toThrow(
      /^REBUILD_EVENTSTORE_URL must start with esdb:\/\/, kurrentdb:\/\/ or their \+discover forms.*http:\/\/admin:\*\*\*@localhost:2113/,
    );
  });

  it('reports a malformed connection string as a configuration error', () => {
    expect(() => connectEventStore('esdb://localhost:notaport')).toThrow(
      /EVENTSTORE_URL is not a valid connection string/,
    );
  });
});

describe('redact', () => {
  it('hides only the password', () => {
    expect(redact('esdb://ops:p@ss@host:2113?tls=true')).toBe(
      'esdb://ops:***@ss@host:2113?tls=true',
    );
    expect(redact('esdb://host:2113')).toBe('esdb://host:2113');
  });
});

describe('eventStoreError', () => {
  it('marks an unreachable server retryable and a refused user as configuration', () => {
    expect(
      eventStoreError('reading', Object.assign(new Error('down'), { type: 'unavailable' })),
    ).toMatchObject({ code: 'SOURCE_UNAVAILABLE', canRetry: true });
    expect(
      eventStoreError('reading', Object.assign(new Error('no'), { type: 'access-denied' })),
    ).toMatchObject({ code: 'CONFIGURATION', canRetry: false });
    expect(eventStoreError('reading', new Error('bug'))).toMatchObject({
      code: 'SOURCE_UNAVAILABLE',
      canRetry: false,
    });
  });
});
