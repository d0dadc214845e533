/**
 * Bytes of each rollup level on disk (bench/scale.ts, issue 13 task C). The `rollups` table holds
 * every level in one b-tree (key sid, res, bucket), so dbstat cannot tell them apart: each level
 * is copied into a table of the same shape in a scratch file, and dbstat measures that.
 */
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';

const NAMES: Record<number, string> = {
  60000: '1min',
  300000: '5min',
  900000: '15min',
  1800000: '30min',
  3600000: '1h',
  86400000: '1d',
};

/** `[level, bytes]` per rollup level of the store at `file` (a stopped box's), via `scratch`. */
export function rollupLevelBytes(file: string, scratch: string): Array<[string, number]> {
  rmSync(scratch, { force: true });
  const db = new Database(scratch);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.prepare('ATTACH DATABASE ? AS src').run(file);
    const schema = db
      .prepare<[], { sql: string }>(
        "SELECT sql FROM src.sqlite_master WHERE type = 'table' AND name = 'rollups'",
      )
      .get();
    if (!schema) throw new Error(`${file} has no rollups table`);
    const levels = db.prepare<[], { res: number }>('SELECT DISTINCT res FROM src.rollups ORDER BY res').all();
    const out: Array<[string, number]> = [];
    for (const { res } of levels) {
      const name = `level_${res}`;
      db.exec(schema.sql.replace(/CREATE TABLE\s+"?rollups"?/i, `CREATE TABLE main.${name}`));
      db.prepare(
        `INSERT INTO main.${name} SELECT * FROM src.rollups WHERE res = ? ORDER BY sid, res, bucket`,
      ).run(res);
      const bytes = db
        .prepare<[string], { bytes: number }>(
          "SELECT sum(pgsize) AS bytes FROM dbstat('main') WHERE name = ?",
        )
        .get(name);
      out.push([NAMES[res] ?? `${res} ms`, bytes?.bytes ?? 0]);
      db.exec(`DROP TABLE main.${name}`);
    }
    return out;
  } finally {
    db.close();
    rmSync(scratch, { force: true });
  }
}
