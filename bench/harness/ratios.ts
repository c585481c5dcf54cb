import { round, type LoadResult } from "./load";

/**
 * The throughput ratio a / b of an alternated A/B run: the median of each round's ratio (the
 * rounds of one index ran next to each other, on the same machine state: slow drift of the
 * machine cancels, and one disturbed round does not move the median as it moves a mean).
 */
export function medianRatio(a: Pick<LoadResult, "requestsPerSec">[], b: Pick<LoadResult, "requestsPerSec">[]): number {
  const ratios = a.map((x, i) => x.requestsPerSec / b[i].requestsPerSec).sort((x, y) => x - y);
  if (ratios.length === 0) return NaN;
  const mid = Math.floor(ratios.length / 2);
  return round(ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2, 2);
}

/** Mean and spread ((max − min) / 2) of one figure across repeated runs. */
export function spreadOf(values: number[]): { mean: number; spread: number; min: number; max: number } {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { mean: NaN, spread: NaN, min: NaN, max: NaN };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return { mean: round(finite.reduce((s, v) => s + v, 0) / finite.length, 3), spread: round((max - min) / 2, 3), min, max };
}

/** `--name value` from the command line, as a number (undefined when absent). */
export function numberArg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} takes a positive number`);
  return v;
}

/** `--name value` from the command line, as a string (undefined when absent). */
export function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
