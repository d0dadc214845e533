import { describe, expect, it } from 'vitest';
import { dockerLogLines } from '../../../../box/sandbox/container/docker-log-lines.ts';

/** A frame as the engine writes it: [stream, 0, 0, 0, size (uint32 BE)] + payload. */
function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('dockerLogLines', () => {
  it('reads the header bytes by hand: stream 2, size 0x00000004', () => {
    const body = Buffer.from([2, 0, 0, 0, 0, 0, 0, 4, 0x62, 0x6f, 0x6f, 0x6d]); // "boom"
    expect(dockerLogLines(body)).toEqual([{ stream: 'stderr', text: 'boom' }]);
  });

  it('splits frames into lines in order and keeps each line’s stream', () => {
    const body = Buffer.concat([frame(1, 'one\ntwo\n'), frame(2, 'Error: boom\n'), frame(1, 'three\r\n')]);
    expect(dockerLogLines(body)).toEqual([
      { stream: 'stdout', text: 'one' },
      { stream: 'stdout', text: 'two' },
      { stream: 'stderr', text: 'Error: boom' },
      { stream: 'stdout', text: 'three' },
    ]);
  });

  it('joins a line split across frames and keeps a last line without a newline', () => {
    const body = Buffer.concat([frame(1, 'hal'), frame(1, 'f\nta'), frame(1, 'il')]);
    expect(dockerLogLines(body)).toEqual([
      { stream: 'stdout', text: 'half' },
      { stream: 'stdout', text: 'tail' },
    ]);
  });

  it('decodes UTF-8 split across frames, cuts long lines and skips unknown streams and torn frames', () => {
    const euro = Buffer.from('€', 'utf8'); // 3 bytes
    const split = Buffer.concat([
      Buffer.from([1, 0, 0, 0, 0, 0, 0, 2]),
      euro.subarray(0, 2),
      Buffer.from([1, 0, 0, 0, 0, 0, 0, 2]),
      euro.subarray(2),
      Buffer.from('\n'),
    ]);
    expect(dockerLogLines(split)).toEqual([{ stream: 'stdout', text: '€' }]);
    expect(dockerLogLines(Buffer.concat([frame(1, `${'x'.repeat(12)}\n`)]), 10)).toEqual([
      { stream: 'stdout', text: `${'x'.repeat(10)}…` },
    ]);
    expect(dockerLogLines(Buffer.concat([frame(0, 'stdin\n'), frame(1, 'ok\n')]))).toEqual([
      { stream: 'stdout', text: 'ok' },
    ]);
    expect(dockerLogLines(Buffer.from([1, 0, 0]))).toEqual([]);
  });
});
