import { promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Hosts that may use plain http: the machine itself (local development and tests). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Addresses a webhook must never reach: link-local ranges, where cloud metadata services live and hand out
 * credentials (169.254.169.254, fd00:ec2::254), and Alibaba's metadata address outside that range.
 */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6');
FORBIDDEN.addAddress('100.100.100.200', 'ipv4');

export type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses a webhook URL that is not https (plain http only on a loopback host) or whose host resolves to a
 * link-local or metadata address. Returns the parsed URL; the error message names the variable to fix.
 */
export async function assertSafeWebhookUrl(raw: string, name = 'RESPONSES_WEBHOOK_URL', resolve = resolveAll): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`${name} must use https (plain http only on localhost)`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(host) ? [host] : await resolve(host);
  const bad = addresses.find(isForbidden);
  if (bad !== undefined) throw new Error(`${name} resolves to a link-local or metadata address (${bad})`);
  return url;
}

export function isForbidden(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
  return FORBIDDEN.check(plain, family);
}
