/**
 * A local Bot Framework token issuer, so Teams authentication runs through botbuilder's real JWT validation.
 *
 * How botbuilder 4.23 finds the keys (read in node_modules/botbuilder-core/lib/configurationBotFrameworkAuthentication.js
 * and botframework-connector/lib/auth/):
 * - `ConfigurationBotFrameworkAuthentication` reads the key `BotOpenIdMetadata`
 *   (`AuthenticationConstants.BotOpenIdMetadataKey`) as the channel OpenID metadata URL; an explicit
 *   `ToBotFromChannelOpenIdMetadataUrl` takes precedence. `OpenIdMetadata` fetches that document, then its
 *   `jwks_uri`, and keeps the keys per URL for 24 h (a static cache: every fake gets a fresh port, so a fresh URL).
 * - Setting any of those "parameterized" values switches `BotFrameworkAuthenticationFactory` from the public-cloud
 *   defaults to ONLY the values given. So `ToBotFromChannelTokenIssuer` must be set too, or the accepted issuer list
 *   is `[undefined]` and every token is refused. {@link BotFrameworkAuthServer.config} sets both.
 * - Accepted issuer for channel tokens: exactly `ToBotFromChannelTokenIssuer` (`https://api.botframework.com` in
 *   the public cloud), checked before the signature and again after it. Tokens whose issuer is one of the
 *   Emulator/AAD issuers (`https://sts.windows.net/<tenant>/`, `https://login.microsoftonline.com/<tenant>/v2.0`,
 *   see tokenValidationParameters.js) or that look like skill tokens (`ver` + `appid` ≠ `aud`) take other paths.
 * - Checks: RS256/384/512 signature by a key whose `kid` is in the JWKS; `exp`/`nbf` with 5 minutes' clock
 *   tolerance (so "expired" must be older than that); `aud` must equal `MicrosoftAppId`; the key's `endorsements`
 *   must include the activity's `channelId` (`msteams`); `serviceurl` must equal the activity's `serviceUrl`.
 * - Refusals: wrong issuer, audience, expiry → `AuthenticationError` (CloudAdapter.process answers 401). A bad
 *   signature surfaces as jsonwebtoken's `JsonWebTokenError`, which CloudAdapter.process answers with **500**,
 *   not 401 — the bot's HTTP layer should map any authentication failure to 401 itself.
 * - `MicrosoftAppId` empty → authentication is disabled (`PasswordServiceClientCredentialFactory.isAuthenticationDisabled`):
 *   any request is accepted with an anonymous identity and outbound calls carry no token.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { closeServer, send } from './fake-bot-api.js';

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

export interface SignOptions {
  appId: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative makes a token that expired that long ago. Default 3600. */
  expiresIn?: number;
  serviceUrl?: string;
  /** Sign with this key instead of the published one (a forged token). */
  key?: CryptoKey;
}

export interface BotFrameworkAuthServer {
  /** `.../.well-known/openid-configuration`; the value for `BotOpenIdMetadata`. */
  metadataUrl: string;
  jwksUri: string;
  keyId: string;
  signToken(opts: SignOptions): Promise<string>;
  /** Same claims and `kid`, signed by a key that is not in the JWKS. */
  badSignatureToken(opts: SignOptions): Promise<string>;
  /** Expired an hour ago, well past the 5 minutes' clock tolerance. */
  expiredToken(opts: SignOptions): Promise<string>;
  wrongAudienceToken(opts: SignOptions): Promise<string>;
  wrongIssuerToken(opts: SignOptions): Promise<string>;
  /** Configuration for `ConfigurationBotFrameworkAuthentication` that trusts this server. */
  config(appId: string, extra?: Record<string, string>): Record<string, string>;
  /** How often the metadata document and the JWKS were fetched. */
  fetches: { metadata: number; jwks: number };
  close(): Promise<void>;
}

export async function startBotFrameworkAuth(): Promise<BotFrameworkAuthServer> {
  const keyId = 'fake-bf-key-1';
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const { privateKey: foreignKey } = await generateKeyPair('RS256');
  const jwk: JWK & { endorsements: string[] } = {
    ...(await exportJWK(publicKey)),
    kid: keyId,
    use: 'sig',
    alg: 'RS256',
    endorsements: ['msteams'],
  };
  const fetches = { metadata: 0, jwks: 0 };

  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      fetches.metadata++;
      send(res, 200, {
        issuer: BOT_FRAMEWORK_ISSUER,
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: `${base}/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    } else if (req.url === '/.well-known/keys') {
      fetches.jwks++;
      send(res, 200, { keys: [jwk] });
    } else {
      send(res, 404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const signToken = (opts: SignOptions) => sign(opts, opts.key ?? privateKey, keyId);
  return {
    metadataUrl: `${base}/.well-known/openid-configuration`,
    jwksUri: `${base}/.well-known/keys`,
    keyId,
    signToken,
    badSignatureToken: (opts) => signToken({ ...opts, key: foreignKey }),
    expiredToken: (opts) => signToken({ ...opts, expiresIn: -3600 }),
    wrongAudienceToken: (opts) => signToken({ ...opts, audience: `${opts.appId}-other` }),
    wrongIssuerToken: (opts) => signToken({ ...opts, issuer: 'https://api.botframework.evil' }),
    config: (appId, extra = {}) => ({
      MicrosoftAppId: appId,
      MicrosoftAppType: 'MultiTenant',
      BotOpenIdMetadata: `${base}/.well-known/openid-configuration`,
      ToBotFromChannelTokenIssuer: BOT_FRAMEWORK_ISSUER,
      ...extra,
    }),
    fetches,
    close: () => closeServer(server),
  };
}

/** Claims as the Bot Framework channel service puts them on the activities it forwards to a bot. */
async function sign(opts: SignOptions, key: CryptoKey, keyId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = opts.expiresIn ?? 3600;
  const issuedAt = expiresIn < 0 ? now + expiresIn - 3600 : now;
  const jwt = new SignJWT(opts.serviceUrl ? { serviceurl: opts.serviceUrl } : {})
    .setProtectedHeader({ alg: 'RS256', kid: keyId, typ: 'JWT' })
    .setIssuer(opts.issuer ?? BOT_FRAMEWORK_ISSUER)
    .setAudience(opts.audience ?? opts.appId)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(now + expiresIn);
  return jwt.sign(key);
}
