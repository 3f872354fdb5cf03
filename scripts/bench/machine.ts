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
