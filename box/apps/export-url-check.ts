import { checkDestinationUrl } from '../../export-gateway/safe-client/url-policy.ts';

/**
 * Why the export gateway would refuse to contact a manifest's export URL, or `undefined` when its
 * URL policy accepts it. Install checks every destination with this, so the householder is never
 * asked to approve a look-alike (`https://user@host`, Cyrillic letters, `http://2130706433/`)
 * that the gateway would refuse later. Plain `http:` is judged as the gateway's dev mode judges
 * it: the manifest schema already limits it to this machine.
 *
 * @example
 * exportUrlProblem('https://energy-coop.example/api'); // undefined
 * exportUrlProblem('http://2130706433/'); // 'the export gateway would refuse it: URL host "2130706433" is not canonical ...'
 */
export function exportUrlProblem(url: string): string | undefined {
  try {
    checkDestinationUrl(url, url, { devMode: true });
    return undefined;
  } catch (error) {
    return `the export gateway would refuse it: ${(error as Error).message}`;
  }
}
