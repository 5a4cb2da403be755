/** A Prometheus-style listen address: ":9830", "127.0.0.1:9830", "[::1]:0". */
export interface ListenAddress {
  /** undefined means every interface. */
  host: string | undefined;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (match === null || port > 65_535) {
    throw new Error(
      `invalid listen address "${text}": expected host:port such as ":9830" or "127.0.0.1:9830"`,
    );
  }
  const host = match[1] ?? match[2];
  return { host: host === '' || host === undefined ? undefined : host, port };
}

/** A URL a person can open for a bound address. */
export function displayUrl(host: string | undefined, port: number): string {
  const shown =
    host === undefined || host === '0.0.0.0' || host === '::'
      ? 'localhost'
      : host.includes(':')
        ? `[${host}]`
        : host;
  return `http://${shown}:${port}`;
}
