import type { AppEnv } from '../api/deps.ts';
import type { Session } from './session-store.ts';

/** The dashboard's request context: the API's, plus the signed-in session (`requireSession`). */
export type DashboardEnv = {
  Variables: AppEnv['Variables'] & { session: Session };
};
