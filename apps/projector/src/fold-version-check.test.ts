import { FOLD_VERSION } from '@checkout/domain';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { checkFoldVersion, reportFoldVersion } from './fold-version-check.ts';

const generation = (id: string, foldVersion?: string) => ({
  id,
  info: { state: 'switched', ...(foldVersion === undefined ? {} : { fold_version: foldVersion }) },
  checkpoints: {},
});

describe('the fold version check at start', () => {
  it('flags an active generation built by another fold version, naming both and the remedy', () => {
    const check = checkFoldVersion({
      active: '7',
      generations: [
        generation('6', String(FOLD_VERSION)),
        generation('7', String(FOLD_VERSION + 1)),
      ],
    });
    expect(check).toMatchObject({
      generation: '7',
      builtBy: String(FOLD_VERSION + 1),
      mismatch: true,
    });
    expect(check.message).toContain(`built by fold version ${FOLD_VERSION + 1}`);
    expect(check.message).toContain(`folds with version ${FOLD_VERSION}`);
    expect(check.message).toContain('checkout-rebuild --from-offset earliest');
  });

  it('passes one built by this fold version', () => {
    const check = checkFoldVersion({
      active: '3',
      generations: [generation('3', String(FOLD_VERSION))],
    });
    expect(check).toMatchObject({ builtBy: String(FOLD_VERSION), mismatch: false });
  });

  it('says when the active generation records none: base, or built before versions were recorded', () => {
    expect(checkFoldVersion({ active: null, generations: [] })).toMatchObject({
      generation: 'base',
      builtBy: null,
      mismatch: false,
    });
    expect(checkFoldVersion({ active: '2', generations: [generation('2')] }).builtBy).toBeNull();
  });
});

describe('the fold version line at start', () => {
  const logged = () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    );
    return { lines, log };
  };

  it('is a warning for another fold version, info otherwise, a warning when the store does not answer', async () => {
    const { lines, log } = logged();
    await reportFoldVersion(
      async () => ({
        active: '7',
        generations: [
          { id: '7', info: { fold_version: String(FOLD_VERSION + 1) }, checkpoints: {} },
        ],
      }),
      log,
    );
    await reportFoldVersion(async () => ({ active: null, generations: [] }), log);
    await reportFoldVersion(() => Promise.reject(new Error('Connection is closed.')), log);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: expect.stringMatching(/^the active generation 7 was built by fold version/),
      }),
      expect.objectContaining({
        level: 30,
        msg: expect.stringMatching(/^the active generation base records no fold version/),
      }),
      expect.objectContaining({
        level: 40,
        msg: expect.stringMatching(/^cannot read which fold version built/),
      }),
    ]);
  });
});
