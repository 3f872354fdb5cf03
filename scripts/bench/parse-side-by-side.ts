import { parseCheckoutEvent, type CheckoutTopic } from '@checkout/domain';
import { generateStream } from '@checkout/generator';

/**
 * parse + validate of the domain bench's input (seed 7, Buffers as Kafka hands them over), the
 * working tree's `parseCheckoutEvent` against copies of `packages/domain/src` from other commits,
 * in one process, passes interleaved in rotating order; CPU time of the thread, best and median.
 *
 *   git archive <commit> packages/domain/src | tar -x -C packages/domain/.baseline --strip-components=3
 *   PARSE_VARIANTS=.baseline node --conditions=@checkout/source scripts/bench/parse-side-by-side.ts
 *
 * PARSE_VARIANTS: comma-separated directories under packages/domain holding such a copy (the
 * first is the reference of the ×; `.baseline` is git-ignored); empty: the working tree's code
 * alone, e.g. to profile it (`node --cpu-prof ...`, then scripts/bench/profile-summary.ts).
 * RECORDS (100 000), ROUNDS (10, after a warm-up round).
 */
type Parse = typeof parseCheckoutEvent;
const variants: Array<[string, Parse]> = [];
for (const dir of (process.env['PARSE_VARIANTS'] ?? '.baseline').split(',').filter(Boolean)) {
  const module = (await import(`../../packages/domain/${dir}/parse.ts`)) as {
    parseCheckoutEvent: Parse;
  };
  variants.push([dir, module.parseCheckoutEvent]);
}
variants.push(['current', parseCheckoutEvent]);
const records = Number(process.env['RECORDS'] ?? 100_000);
const rounds = Number(process.env['ROUNDS'] ?? 10);

const input: Array<{ topic: CheckoutTopic; value: Buffer }> = [];
for (const record of generateStream({ seed: 7, records })) {
  const value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
  input.push({ topic: record.topic, value });
}
const config = { currency: 'PLN' };
const rates = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round <= rounds; round += 1) {
  for (let index = 0; index < variants.length; index += 1) {
    const [name, parse] = variants[(round + index) % variants.length] as [string, Parse];
    const started = process.threadCpuUsage();
    let ok = 0;
    for (const { topic, value } of input) if (parse(value, topic, config).ok) ok += 1;
    const used = process.threadCpuUsage(started);
    if (ok <= 0) throw new Error('nothing parsed');
    if (round > 0) rates.get(name)?.push(input.length / ((used.user + used.system) / 1e6));
  }
}
const first = variants[0]?.[0] ?? 'current';
const median = (list: number[]) =>
  [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
for (const [name, list] of rates) {
  const ratio = median(list) / median(rates.get(first) ?? []);
  console.log(
    `${name.padEnd(16)} best ${Math.round(Math.max(...list))}  median ${Math.round(median(list))} events/s  × ${ratio.toFixed(2)} (median)`,
  );
}
console.log(`${input.length} records, ${rounds} rounds`);
