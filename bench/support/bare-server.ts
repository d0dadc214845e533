/**
 * The issue-13 baseline: a bare node:http server over better-sqlite3 with one 30-minute rollup
 * table, nothing else (no validation beyond JSON.parse, no audit, no other resolutions).
 * `node --import tsx bench/support/bare-server.ts <db file>` prints `listening <port>`.
 * `POST /write` takes `[{ t, v }]`; `GET /read?from&to` answers `{ readings: [{ t, v, n }] }`.
 */
import { createServer } from 'node:http';
import Database from 'better-sqlite3';

const db = new Database(process.argv[2]);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
  CREATE TABLE IF NOT EXISTS readings (sid INTEGER NOT NULL, t INTEGER NOT NULL, v REAL NOT NULL, PRIMARY KEY (sid, t)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rollup30 (sid INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, sum REAL NOT NULL,
    min REAL NOT NULL, max REAL NOT NULL, PRIMARY KEY (sid, bucket)) WITHOUT ROWID;
`);
const insert = db.prepare('INSERT OR IGNORE INTO readings VALUES (1, ?, ?)');
const upsert =
  db.prepare(`INSERT INTO rollup30 VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (sid, bucket) DO UPDATE SET
  n = n + excluded.n, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max)`);
const read = db
  .prepare(
    'SELECT bucket, sum / n, n FROM rollup30 WHERE sid = 1 AND bucket >= ? AND bucket < ? ORDER BY bucket',
  )
  .raw();
const W = 1_800_000;
const write = db.transaction((readings: Array<{ t: number; v: number }>) => {
  let bucket = -1;
  let n = 0;
  let sum = 0;
  let min = 0;
  let max = 0;
  for (const { t, v } of readings) {
    if (insert.run(t, v).changes === 0) continue;
    const b = t - (t % W);
    if (b !== bucket) {
      if (n > 0) upsert.run(bucket, n, sum, min, max);
      bucket = b;
      n = 0;
      sum = 0;
      min = v;
      max = v;
    }
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n > 0) upsert.run(bucket, n, sum, min, max);
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/write') {
      write(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(204).end();
    } else if (url.pathname === '/read') {
      const rows = read.all(
        Number(url.searchParams.get('from')),
        Number(url.searchParams.get('to')),
      ) as number[][];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ readings: rows.map(([t, v, n]) => ({ t, v, n })) }));
    } else res.writeHead(404).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
