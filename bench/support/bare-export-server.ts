/**
 * The export-accept baseline (issue 13 aim 6): a bare node:http server on a unix socket over
 * better-sqlite3 (WAL, synchronous=FULL), one INSERT committed (and fsynced) per request, then
 * 202. No validation beyond JSON.parse, no hash or URL checks, no group commit.
 * `node --import tsx bench/support/bare-export-server.ts <db file> <socket>` prints `listening`.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import Database from 'better-sqlite3';

const [dbPath, socket] = process.argv.slice(2);
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(
  'CREATE TABLE IF NOT EXISTS exports (id TEXT PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL) STRICT',
);
const insert = db.prepare('INSERT INTO exports VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING');
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; payload: unknown };
    insert.run(request.id, JSON.stringify(request.payload), Date.now());
    const text = JSON.stringify({ accepted: true, id: request.id });
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
rmSync(socket, { force: true });
server.listen(socket, () => process.stdout.write('listening\n'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
