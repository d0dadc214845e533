import { StringDecoder } from 'node:string_decoder';

/** One line of a container's output, with the stream it came from. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

const STREAMS: Record<number, LogLine['stream']> = { 1: 'stdout', 2: 'stderr' };

/**
 * Splits the engine's multiplexed log body (containers without a TTY) into lines. Each frame is an
 * 8-byte header — stream (1 stdout, 2 stderr), three zero bytes, payload size as a big-endian
 * uint32 — and the payload. A line split across frames of the same stream is joined; a UTF-8
 * character torn across frames is rebuilt; a trailing piece without a newline still counts as a line. Lines longer than `maxLineChars` are cut with `…`.
 *
 * @example
 * const body = await container.logs({ stdout: true, stderr: true, tail: 200 });
 * const lines = dockerLogLines(body); // [{ stream: 'stderr', text: 'Error: boom' }, …]
 */
export function dockerLogLines(body: Buffer, maxLineChars = 2000): LogLine[] {
  const lines: LogLine[] = [];
  const pending: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };
  // One decoder per stream: a UTF-8 character may be torn across two frames of the same stream.
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const push = (stream: LogLine['stream'], text: string) =>
    lines.push({ stream, text: text.length > maxLineChars ? `${text.slice(0, maxLineChars)}…` : text });

  let offset = 0;
  while (offset + 8 <= body.length) {
    const stream = STREAMS[body[offset]];
    const size = body.readUInt32BE(offset + 4);
    const payload = body.subarray(offset + 8, Math.min(offset + 8 + size, body.length));
    offset += 8 + size;
    if (stream === undefined) continue; // stdin echo or an unknown stream
    const parts = (pending[stream] + decoders[stream].write(payload)).split('\n');
    pending[stream] = parts.pop() ?? '';
    for (const part of parts) push(stream, part.replace(/\r$/, ''));
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const rest = pending[stream] + decoders[stream].end();
    if (rest !== '') push(stream, rest);
  }
  return lines;
}
