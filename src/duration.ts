// Durations as people write them ("90s", "10m", "1h", "500ms") and as incluster prints them. One
// grammar for the config, the command line and the fixtures; the config turns them into
// milliseconds when it loads, so nothing downstream parses a duration again.

/** The grammar, for the config schema: a whole number followed by ms, s, m or h. */
export const DURATION_PATTERN = /^\d+(ms|s|m|h)$/;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Parses "90s", "10m", "1h", "500ms" into milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Whole seconds, at least 1, for Kubernetes fields counted in seconds: 90 500 ms → 91. */
export function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** 850 ms → "850ms", 12.3 s → "12.3s", 125 s → "2m05s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
