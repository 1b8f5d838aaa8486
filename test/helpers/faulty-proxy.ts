import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'error-500' | 'drop' | 'hang';

export interface FaultyProxy {
  url: string;
  /** Requests whose path matches get this fault instead of reaching the node. */
  fail(path: RegExp, fault: Fault): void;
  heal(): void;
  /** Stops accepting connections and drops open ones, like a node that went away. */
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of a real node that can make chosen endpoints fail:
 * the network is remote and its faults cannot be produced here otherwise.
 */
export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const faults: { path: RegExp; fault: Fault }[] = [];
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const fault = faults.find((f) => f.path.test(req.url ?? ''))?.fault;
    if (fault === 'drop') return void req.socket.destroy();
    if (fault === 'hang') return;
    if (fault === 'error-500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return void res.end('{"code":13,"message":"Internal error","details":[]}');
    }
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
    fail: (path, fault) => faults.push({ path, fault }),
    heal: () => void faults.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
