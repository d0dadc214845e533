/**
 * Constants of the container transport, in a module free of zod so the code an app ships
 * (`defineApp` and its transports) stays small.
 */

/** HTTP path of the container transport: `POST /v1/call` with `{ method, params }`. */
export const CALL_PATH = '/v1/call';
/** Environment variable naming the unix socket of the app API inside a container. */
export const ENV_SOCKET = 'DATABOX_API_SOCKET';
/** Environment variable holding the per-run bearer token. */
export const ENV_TOKEN = 'DATABOX_RUN_TOKEN';
