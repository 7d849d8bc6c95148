import type { Config } from '../../config.js';
import { printableUrl, within } from '../../startup.js';

/**
 * Teams' outbound credentials checked at start-up: one client-credentials request to the Bot Framework token
 * endpoint (Entra ID) within the start-up bound, so a wrong secret stops the start with a line naming the variable,
 * not a stack trace at the first reply. Managed identities and tests with their own credentials skip it.
 */
const SCOPE = 'https://api.botframework.com/.default';

export function tokenUrlOf(config: Config): string {
  if (config.BOT_FRAMEWORK_TOKEN_URL) return config.BOT_FRAMEWORK_TOKEN_URL;
  const tenant = config.MICROSOFT_APP_TYPE === 'SingleTenant' ? config.MICROSOFT_APP_TENANT_ID : 'botframework.com';
  return `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`;
}

/** Entra ID's error codes that point at one variable; anything else is the password's. */
const BLAME: [RegExp, string, string][] = [
  [/AADSTS700016|AADSTS700038|unauthorized_client/, 'MICROSOFT_APP_ID', 'the app id is not known to this tenant'],
  [/AADSTS90002|AADSTS900023|tenant/i, 'MICROSOFT_APP_TENANT_ID', 'the tenant is not known'],
  [/AADSTS7000215|AADSTS7000222|invalid_client/, 'MICROSOFT_APP_PASSWORD', 'the secret was refused (wrong or expired)'],
];

class Refused extends Error {
  constructor(readonly variable: string, reason: string) {
    super(reason);
  }
}

export async function checkTeamsCredentials(config: Config): Promise<void> {
  if (!config.MICROSOFT_APP_ID || !config.MICROSOFT_APP_PASSWORD || config.MICROSOFT_APP_TYPE === 'UserAssignedMSI') return;
  const url = tokenUrlOf(config);
  await within(
    { variable: 'MICROSOFT_APP_PASSWORD', address: printableUrl(url), describe: (err) => (err instanceof Refused ? { variable: err.variable, reason: err.message } : undefined) },
    async (signal) => {
      const res = await fetch(url, {
        method: 'POST',
        signal,
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: config.MICROSOFT_APP_ID!, client_secret: config.MICROSOFT_APP_PASSWORD!, scope: SCOPE }),
      });
      if (res.ok) return;
      const body = (await res.json().catch(() => ({}))) as { error?: string; error_description?: string };
      const said = `${body.error ?? ''} ${body.error_description ?? ''}`;
      const [, variable, reason] = BLAME.find(([re]) => re.test(said)) ?? [null, 'MICROSOFT_APP_PASSWORD', 'the token endpoint refused the credentials'];
      // Entra ID's own code (AADSTS…) helps an operator search; the rest of its description may echo ids.
      const code = /AADSTS\d+/.exec(said)?.[0] ?? body.error ?? 'no error code';
      throw new Refused(variable, `${reason} (${res.status} ${code})`);
    },
  );
}
