import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Where the time of a `node --cpu-prof` profile goes: self time per function and per code area
 * (our packages, kafkajs, ioredis, zod, Node internals, GC, idle).
 *
 *   node scripts/bench/profile-summary.ts <file.cpuprofile | dir> [top=25]
 *
 * A directory means its newest .cpuprofile.
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  functions: Array<{ name: string; where: string; selfMs: number }>;
  /** Time with the function on the stack (callees included), recursion counted once. */
  inclusive: Array<{ name: string; where: string; totalMs: number }>;
  areas: Array<{ area: string; selfMs: number }>;
}

export function summariseProfile(profile: CpuProfile, root: string): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const functions = new Map<string, { name: string; where: string; selfMs: number }>();
  const areas = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const where = frame.url === '' ? '' : `${shortUrl(frame.url, root)}:${frame.lineNumber + 1}`;
    const name = frame.functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const entry = functions.get(key) ?? { name, where, selfMs: 0 };
    entry.selfMs += micros / 1000;
    functions.set(key, entry);
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + micros / 1000);
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, { name: string; where: string; totalMs: number }>();
  for (const [id, micros] of self) {
    const seen = new Set<string>();
    for (
      let current: number | undefined = id;
      current !== undefined;
      current = parent.get(current)
    ) {
      const frame = byId.get(current)?.callFrame;
      if (frame === undefined || frame.url === '') continue;
      const where = `${shortUrl(frame.url, root)}:${frame.lineNumber + 1}`;
      const name = frame.functionName || '(anonymous)';
      const key = `${name} ${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { name, where, totalMs: 0 };
      entry.totalMs += micros / 1000;
      inclusive.set(key, entry);
    }
  }
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
    inclusive: [...inclusive.values()]
      .filter(({ where }) => !where.startsWith('node:'))
      .sort((a, b) => b.totalMs - a.totalMs),
    areas: [...areas]
      .map(([area, selfMs]) => ({ area, selfMs }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(program)') return 'V8 (program)';
    return `native: ${functionName}`;
  }
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(
    url,
  );
  if (dependency?.[1] !== undefined) return dependency[1];
  const ours = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ours?.[2] !== undefined) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.includes('/scripts/') ? 'scripts (bench)' : 'other';
}

function shortUrl(url: string, root: string): string {
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(.*)$/.exec(path);
  if (dependency?.[1] !== undefined) return dependency[1];
  return path.startsWith('/') ? relative(root, path) : path;
}

export function readProfile(path: string): CpuProfile {
  const file = statSync(path).isDirectory() ? newestProfile(path) : path;
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

function newestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const [newest] = files;
  if (newest === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  return newest;
}

export function formatProfileSummary(summary: ProfileSummary, top: number): string {
  const busy = summary.areas
    .filter(({ area }) => area !== 'idle')
    .reduce((sum, { selfMs }) => sum + selfMs, 0);
  const percent = (ms: number) => `${((100 * ms) / Math.max(busy, 1)).toFixed(1)}%`.padStart(6);
  const lines = [
    `profile: ${summary.totalMs.toFixed(0)} ms wall, ${busy.toFixed(0)} ms busy (percentages of busy)`,
    '',
    'by area:',
    ...summary.areas.map(
      ({ area, selfMs }) =>
        `  ${area === 'idle' ? '   —  ' : percent(selfMs)}  ${selfMs.toFixed(0).padStart(7)} ms  ${area}`,
    ),
    '',
    `top ${top} functions by self time:`,
    ...summary.functions
      .filter(({ name }) => name !== '(idle)')
      .slice(0, top)
      .map(
        ({ name, where, selfMs }) =>
          `  ${percent(selfMs)}  ${selfMs.toFixed(0).padStart(7)} ms  ${name}  ${where}`,
      ),
    '',
    `top ${top} functions by inclusive time (callees included; Node internals left out):`,
    ...summary.inclusive
      .slice(0, top)
      .map(
        ({ name, where, totalMs }) =>
          `  ${percent(totalMs)}  ${totalMs.toFixed(0).padStart(7)} ms  ${name}  ${where}`,
      ),
  ];
  return lines.join('\n');
}

if (import.meta.main) {
  const [path, topText] = process.argv.slice(2);
  if (path === undefined) {
    process.stderr.write(
      'usage: node scripts/bench/profile-summary.ts <file.cpuprofile|dir> [top]\n',
    );
    process.exitCode = 2;
  } else {
    const root = new URL('../../', import.meta.url).pathname;
    const summary = summariseProfile(readProfile(path), root);
    process.stdout.write(`${formatProfileSummary(summary, Number(topText ?? 25))}\n`);
  }
}
