import { join } from 'node:path';

/** Where the gateway keeps its files under the box's home folder. */
export interface GatewayPaths {
  /** `<home>/gateway`, mode 0700. */
  dir: string;
  /** The durable outbox (SQLite). */
  db: string;
  /** The unix socket the box talks to (mode 0600). */
  socket: string;
}

/** The gateway's paths for a box home folder. */
export function gatewayPaths(home: string): GatewayPaths {
  const dir = join(home, 'gateway');
  return { dir, db: join(dir, 'outbox.db'), socket: join(dir, 'gateway.sock') };
}
