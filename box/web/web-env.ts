import type { AppManager } from '../apps/app-manager.ts';
import type { AppRunner } from '../apps/app-runner.ts';
import type { AppStores } from '../apps/catalogue/app-stores.ts';
import type { DriverManager } from '../drivers/driver-manager.ts';
import type { ExportService } from '../exports/export-service.ts';
import type { Notifications } from '../notifications/notifications.ts';
import type { Store } from '../store/store.ts';
import type { PasswordStore } from './auth/password.ts';
import type { Session, SessionStore } from './auth/sessions.ts';
import type { SignInLimiter } from './auth/sign-in-limiter.ts';

/** What the dashboard needs from the box (the composition root passes the same parts as the API's). */
export interface WebDeps {
  store: Store;
  drivers?: DriverManager;
  apps?: AppManager;
  appRunner?: AppRunner;
  /** The householder's app stores, for the Catalogue page. */
  appStores?: AppStores;
  /** The export ledger and review decisions (default: a service over `store`). */
  exports?: ExportService;
  /** Largest upload (Green Button / Octopus file) accepted, bytes (default 64 MiB). */
  uploadLimitBytes?: number;
  /** Force the Secure cookie flag (it is also set whenever a request arrives over https). */
  secureCookies?: boolean;
}

/** The parts every page handler reaches through `c.var`. */
export interface WebParts extends WebDeps {
  exports: ExportService;
  /** The header badge and the Notifications page. */
  notifications: Notifications;
  passwords: PasswordStore;
  sessions: SessionStore;
  limiter: SignInLimiter;
}

export type WebEnv = {
  Variables: {
    parts: WebParts;
    session: Session;
    sessionId: string;
  };
};
