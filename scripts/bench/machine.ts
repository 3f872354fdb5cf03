import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kafka: string;
  redis: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
}

export function describeMachine(versions: { kafka: string; redis: string }): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kafka: versions.kafka,
    redis: versions.redis,
    loadAverageStart: loadAverage(),
    loadAverageEnd: [],
  };
}

export function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

/**
 * The machine's CPU time so far (`/proc/stat`, clock ticks): all of it, and the *steal* part,
 * when the hypervisor ran other guests on our cores. A phase's steal share says how much of
 * its wall time the machine was not ours; undefined where /proc/stat is not there.
 */
export function machineCpuTicks(): { total: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is inside user already)
    const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { total, steal: ticks[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/** The steal share between two readings of {@link machineCpuTicks}, in percent. */
export function stealPercent(
  before: ReturnType<typeof machineCpuTicks>,
  after: ReturnType<typeof machineCpuTicks>,
): number | undefined {
  if (before === undefined || after === undefined || after.total <= before.total) return undefined;
  return (100 * (after.steal - before.steal)) / (after.total - before.total);
}
