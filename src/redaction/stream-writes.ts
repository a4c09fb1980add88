// What a test writes straight to process.stdout or process.stderr bypasses Vitest's console capture,
// and so the RedactingReporter: the worker masks it itself, as it is written, with what its own
// redactor knows (the credentials in its environment, and every Secret it read).
import type { Redactor } from './redactor.ts';

/** Makes every write to `stream` pass through `redactor` first. */
export function redactWrites(stream: NodeJS.WritableStream, redactor: Redactor): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = (chunk: unknown, ...rest: unknown[]) => write(maskChunk(chunk, redactor), ...rest);
}

/** The chunk with secrets masked; bytes that do not decode as text, or hold nothing, pass untouched. */
function maskChunk(chunk: unknown, redactor: Redactor): unknown {
  if (typeof chunk === 'string') return redactor.redact(chunk);
  if (!(chunk instanceof Uint8Array)) return chunk;
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  if (text.includes('\uFFFD')) return chunk; // not UTF-8 text: never rewrite binary output
  const masked = redactor.redact(text);
  return masked === text ? chunk : Buffer.from(masked, 'utf8');
}
