import { describe, expect, it } from 'vitest';
import { generationRole, HEARTBEAT_STALE_MS, type GenerationInfo } from './generation-role.ts';

const now = Date.parse('2026-01-01T12:00:00.000Z');
const info = (state: GenerationInfo['state'], heartbeatAgoMs: number): GenerationInfo => ({
  purpose: 'rebuild',
  state,
  created_at: '2026-01-01T11:00:00.000Z',
  heartbeat_at: new Date(now - heartbeatAgoMs).toISOString(),
  from: 'earliest',
  replaces: 'base',
  host: 'h',
  pid: '1',
});

describe('generationRole', () => {
  it('names the active generation first, whatever its info says', () => {
    expect(generationRole(info('building', 0), true, now)).toBe('active');
    expect(generationRole(null, true, now)).toBe('active');
  });

  it('tells a running rebuild from a dead one by its heartbeat', () => {
    expect(generationRole(info('building', 1_000), false, now)).toBe('building');
    expect(generationRole(info('building', HEARTBEAT_STALE_MS + 1), false, now)).toBe('orphan');
    expect(generationRole(info('interrupted', 0), false, now)).toBe('orphan');
    expect(generationRole(info('failed', 0), false, now)).toBe('orphan');
    expect(generationRole(null, false, now)).toBe('orphan');
  });

  it('calls a generation that was switched away from a previous one (a rollback target)', () => {
    expect(generationRole(info('switched', 60_000), false, now)).toBe('previous');
  });
});
