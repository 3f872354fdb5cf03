import { EngineError, historyTruncated } from '@checkout/engine';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.ts';
import { EXIT_CODES, exitCodeOf, exitReasonOf } from './exit-codes.ts';

describe('exit codes', () => {
  it('are distinct', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT_CODES).toMatchObject({
      ok: 0,
      failure: 1,
      usage: 2,
      drift: 3,
      notConfirmed: 4,
      historyTruncated: 5,
    });
  });

  it('map every kind of error in one place', () => {
    const cases: Array<[unknown, number]> = [
      [new CliError('usage', 'bad flag'), 2],
      [new CliError('notConfirmed', 'declined'), 4],
      [new CliError('interrupted', 'SIGINT'), 130],
      [new CommanderError(1, 'commander.unknownOption', 'unknown option'), 2],
      [new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), 0],
      [new EngineError('CONFIGURATION', 'topics missing', { canRetry: false }), 2],
      [historyTruncated('cart-events:0', 'none', '10'), 5],
      [new EngineError('STORE_UNAVAILABLE', 'redis down', { canRetry: true }), 1],
      [new Error('bug'), 1],
      ['a string', 1],
    ];
    for (const [error, code] of cases)
      expect(exitCodeOf(exitReasonOf(error)), String(error)).toBe(code);
  });
});
