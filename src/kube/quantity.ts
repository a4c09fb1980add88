// Kubernetes resource quantities ("250m", "1.5", "512Mi", "2G", "1e3") as numbers of base units
// (cores, bytes, pods), so what pods ask for can be added up and compared with what a node or a
// quota allows, and written back in the forms people read.

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity in base units; undefined for text that is no quantity. */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return text;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(
    text?.trim() ?? '',
  );
  if (!match) return undefined;
  const number = Number(match[1]);
  if (match[2]) return number * 10 ** Number(match[2].slice(1));
  return number * SUFFIXES[match[3] ?? '']!;
}

/** CPU cores as Kubernetes writes them: `250m`, `2`. */
export function formatCpu(cores: number): string {
  const milli = Math.ceil(cores * 1000 - 1e-6);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes in the largest binary unit that keeps them whole: `256Mi`, `1Gi`, `1536Ki`. */
export function formatBytes(bytes: number): string {
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'])
    if (bytes >= SUFFIXES[unit]! && Math.ceil(bytes) % SUFFIXES[unit]! === 0)
      return `${Math.ceil(bytes) / SUFFIXES[unit]!}${unit}`;
  return String(Math.ceil(bytes));
}
