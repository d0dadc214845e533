/**
 * A separate process that appends to an audit log, for the multi-process test:
 * `node --import tsx append-worker.ts <db file> <count> <actor>`. Prints the number appended.
 */
import Database from 'better-sqlite3';
import { AuditLog } from '../../../box/audit/audit-log.ts';

const [file, count, actor] = process.argv.slice(2);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 10000');
const log = new AuditLog(db);
let appended = 0;
for (let i = 0; i < Number(count); i++) {
  log.append({ actor, action: 'readings.write', subject: 'meter.power', details: { i, pid: process.pid } });
  appended++;
}
db.close();
process.stdout.write(String(appended));
