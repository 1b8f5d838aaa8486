import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'error-500' | 'drop' | 'hang';

export interface Proxy {
  url: string;
  /** Stops accepting connections and drops open ones, like a node that went away. */
  close(): Promise<void>;
}

export interface FaultyProxy extends Proxy {
  /** Requests whose path matches get this fault instead of reaching the node. */
  fail(path: RegExp, fault: Fault): void;
  heal(): void;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of `target`. `intercept` sees each request first and
 * returns true when it has dealt with it (answered, dropped or left hanging); the others are forwarded.
 */
export async function startProxy(target: string, intercept: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<Proxy> {
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (intercept(req, res)) return;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * An HTTP proxy in front of a real node that can make chosen endpoints fail:
 * the network is remote and its faults cannot be produced here otherwise.
 */
export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const faults: { path: RegExp; fault: Fault }[] = [];
  const proxy = await startProxy(target, (req, res) => {
    const fault = faults.find((f) => f.path.test(req.url ?? ''))?.fault;
    if (fault === 'drop') req.socket.destroy();
    if (fault === 'error-500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"code":13,"message":"Internal error","details":[]}');
    }
    // 'hang': taken, and never answered.
    return fault !== undefined;
  });
  return {
    ...proxy,
    fail: (path, fault) => faults.push({ path, fault }),
    heal: () => void faults.splice(0),
  };
}
