import type { NetworkDescription, Network } from '../../generated/types.js';
import { UsageError, parseFlags, required } from './args.js';
import { CONNECTION_FLAGS, connect, dispatchSubCommand, print, withOperatorErrors, type SubCommand } from './operator.js';

/*
 * The rules of the contract's NetworkName and NodeUrlList schemas, checked
 * here too so that a typo on the command line gets a plain message before
 * anything is sent or started (the gateway checks them again).
 */
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NODE_URL = /^https?:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/;
const MAX_NODE_URL_LENGTH = 2048;
const MAX_NODES = 50;

export function parseNetworkName(value: string | undefined, flag: string): string {
  const name = required(value, flag);
  if (!NETWORK_NAME.test(name)) throw new UsageError(`${flag} takes 1 to 64 letters, digits, dots, underscores and hyphens, starting with a letter or digit; not "${name}"`);
  return name;
}

/**
 * Node URLs from one or more --nodes flags, each a comma-separated list.
 * Repeats are dropped (the contract wants each URL once), order is kept.
 */
export function parseNodeUrls(values: string | string[] | undefined, flag: string): [string, ...string[]] {
  const given = (values === undefined ? [] : Array.isArray(values) ? values : [values]).flatMap((v) => v.split(','));
  const urls = [...new Set(given.map((url) => url.trim()).filter((url) => url !== ''))];
  if (urls.length === 0) throw new UsageError(`${flag} needs at least one node URL (http://HOST:PORT, comma-separated for several)`);
  if (urls.length > MAX_NODES) throw new UsageError(`${flag} takes at most ${MAX_NODES} node URLs`);
  for (const url of urls) {
    if (!NODE_URL.test(url) || url.length > MAX_NODE_URL_LENGTH) {
      throw new UsageError(`${flag}: "${url}" is not a node's REST address; give http:// or https://, a host and an optional path, without query or fragment`);
    }
  }
  return urls as [string, ...string[]];
}

const NETWORK_FLAGS = { ...CONNECTION_FLAGS, network: { type: 'string' } } as const;
const NODES_FLAG = { nodes: { type: 'string', multiple: true } } as const;

const describeText = (network: Network) =>
  [`Name:    ${network.name}`, `Active:  ${network.active ? 'yes (session methods use it)' : 'no'}`, ...network.nodes.map((url) => `Node:    ${url}`)].join('\n');

function healthText(network: NetworkDescription): string {
  const lines = [`Name:    ${network.name}`, `Active:  ${network.active ? 'yes (session methods use it)' : 'no'}`];
  for (const node of network.health) {
    const state = node.ok
      ? `ok, chain ${node.chainId ?? '?'}, height ${node.height ?? '?'}${node.latencyMs === null ? '' : `, ${node.latencyMs} ms`}`
      : `not answering properly: ${node.error ?? 'unknown error'}`;
    lines.push(`Node:    ${node.url}  ${state}`);
  }
  return lines.join('\n');
}

/** add and update differ only in the method they call. */
const nodesCommand = (verb: 'add' | 'update'): SubCommand => ({
  usage: `Usage: wallet-gateway network ${verb} --network NAME --nodes URL[,URL...]

${
  verb === 'add'
    ? `Adds a network by the REST addresses of its nodes (a core node's REST API,
e.g. http://127.0.0.1:3003 for "wallet-gateway devnet"). --nodes may be
repeated or take a comma-separated list.`
    : `Replaces the nodes of a known network; for the network in use, at once.
--nodes may be repeated or take a comma-separated list.`
}
`,
  async run(args) {
    const flags = parseFlags(args, { ...NETWORK_FLAGS, ...NODES_FLAG });
    const params = { name: parseNetworkName(flags.network, '--network'), nodes: parseNodeUrls(flags.nodes, '--nodes') };
    const { url, client } = connect(flags);
    return withOperatorErrors(url, async () => {
      const network = verb === 'add' ? await client.admin.addNetwork(params) : await client.admin.updateNetwork(params);
      print(flags.json, network, () => describeText(network));
      return 0;
    });
  },
});

const COMMANDS: Record<string, SubCommand> = {
  list: {
    usage: `Usage: wallet-gateway network list

Lists the networks the gateway knows and their nodes; "(active)" marks the
one session methods use.
`,
    async run(args) {
      const flags = parseFlags(args, CONNECTION_FLAGS);
      const { url, client } = connect(flags);
      return withOperatorErrors(url, async () => {
        const result = await client.admin.listNetworks();
        const width = Math.max(0, ...result.networks.map((n) => n.name.length));
        print(flags.json, result, () =>
          result.networks.map((n) => `${n.name.padEnd(width)}  ${n.nodes.join(', ')}${n.active ? '  (active)' : ''}`).join('\n') || '(no networks)',
        );
        return 0;
      });
    },
  },
  describe: {
    usage: `Usage: wallet-gateway network describe --network NAME

Shows a network's nodes and asks each of them, now, for its chain id and
height.
`,
    async run(args) {
      const flags = parseFlags(args, NETWORK_FLAGS);
      const name = parseNetworkName(flags.network, '--network');
      const { url, client } = connect(flags);
      return withOperatorErrors(url, async () => {
        const network = await client.admin.describeNetwork({ name });
        print(flags.json, network, () => healthText(network));
        return 0;
      });
    },
  },
  add: nodesCommand('add'),
  update: nodesCommand('update'),
  remove: {
    usage: `Usage: wallet-gateway network remove --network NAME

Forgets a network. The one session methods use cannot be removed.
`,
    async run(args) {
      const flags = parseFlags(args, NETWORK_FLAGS);
      const name = parseNetworkName(flags.network, '--network');
      const { url, client } = connect(flags);
      return withOperatorErrors(url, async () => {
        const result = await client.admin.removeNetwork({ name });
        print(flags.json, result, () => `Removed network "${name}".`);
        return 0;
      });
    },
  },
};

export const networkCommand = (args: string[]) =>
  dispatchSubCommand('network', 'Manages the networks (sets of node URLs) a running gateway knows, through its operator door.', COMMANDS, args);
