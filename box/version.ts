/** The box's version, as reported by `databox --version`, `/api/v1/status` and audit entries. */
export const VERSION = '0.1.0';
