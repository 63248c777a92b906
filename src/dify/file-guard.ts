import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { DifyError } from './errors.js';

/** Never reached, whoever names them: link-local (cloud metadata at 169.254.169.254), unspecified, multicast. */
const NEVER = new BlockList();
NEVER.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('224.0.0.0', 4, 'ipv4');
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addAddress('::', 'ipv6');
NEVER.addSubnet('ff00::', 8, 'ipv6');

/** Internal: loopback, private ranges, shared address space, unique-local IPv6. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv4');
INTERNAL.addAddress('::1', 'ipv6');
INTERNAL.addSubnet('fc00::', 7, 'ipv6');

export type AddressClass = 'never' | 'internal' | 'public';

export function classifyAddress(address: string): AddressClass {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (NEVER.check(ip, family)) return 'never';
  return INTERNAL.check(ip, family) ? 'internal' : 'public';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Which URLs Dify output may make the bridge fetch: only those on Dify's own origins (each app's
 * API URL, and the file origins the operator lists), and through a DNS lookup that refuses
 * link-local addresses always and internal ones for a host whose first answer was public (a
 * rebinding name). A Dify the operator runs on an internal address keeps working.
 */
export class FileUrlGuard {
  private readonly origins: Set<string>;
  /** Per host name: whether its first resolution was internal. */
  private readonly internalHosts = new Map<string, boolean>();

  constructor(
    origins: Iterable<string>,
    private readonly resolve: typeof dnsLookup = dnsLookup,
  ) {
    this.origins = new Set([...origins].map((o) => new URL(o).origin));
  }

  /** The URL, if Dify output may name it; else a DifyError that says why (logged, never fetched). */
  check(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new DifyError('protocol', 'bad_file_url', `Dify gave a file URL that is not http(s): ${url.protocol}`);
    if (!this.origins.has(url.origin))
      throw new DifyError('protocol', 'file_url_refused', `a file URL on ${url.host}, which is not Dify's (add its origin to DIFY_FILES_URL if it is)`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && classifyAddress(host) === 'never') throw refused(url.host, host);
  }

  /** For undici's connect: resolves as Node does, then refuses what the rules above forbid. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const classes = addresses.map((a) => classifyAddress(a.address));
      const firstInternal = this.internalHosts.get(hostname) ?? classes.every((c) => c === 'internal');
      if (!this.internalHosts.has(hostname)) this.internalHosts.set(hostname, firstInternal);
      const bad = addresses.find((_, i) => classes[i] === 'never' || (classes[i] === 'internal' && !firstInternal));
      if (bad) return callback(refused(hostname, bad.address), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function refused(host: string, address: string): DifyError & NodeJS.ErrnoException {
  const err = new DifyError('protocol', 'file_url_refused', `a file URL on ${host}, which resolves to ${address} (an address the bridge never fetches)`);
  return Object.assign(err, { code: 'EFILEREFUSED' });
}
