/**
 * A local development node in a process of its own (as `wallet-gateway devnet`
 * runs it), so that its memory and CPU are not counted as the gateway's.
 * argv[2]: JSON DevNodeOptions (blockTimeMs, powDifficulty, ...). Sends
 * { type: 'ready', url, chainId } over IPC; 'stop' closes it.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dist = process.env.BENCH_DIST ?? join(process.cwd(), 'dist');
const { DevNode } = await import(pathToFileURL(join(dist, 'src', 'devnet', 'index.js')).href);
const { decodeCommand } = await import(pathToFileURL(join(dist, 'src', 'domain', 'vega', 'command-codec.js')).href);

const options = JSON.parse(process.argv[2] ?? '{}');
const node = await DevNode.start({ host: '127.0.0.1', port: 0, ...options, decodeCommand: (field, bytes) => void decodeCommand(field, bytes) });
process.send({ type: 'ready', url: node.url, chainId: node.chainId });
process.on('message', async (message) => {
  if (message.type === 'height') process.send({ id: message.id, height: String(node.height) });
  else if (message.type === 'stop') {
    await node.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
