import type { GatewayConfig } from '../../src/config.js';
import { SEED_PASSPHRASE, SEED_PHRASE, startTestGateway, type TestGateway } from './gateway.js';
import { connectApp, grantPermissions } from './review.js';

/** The first key of the seed wallet (key derivation v2, index 1). */
export const FIRST_KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';

/** The name the seed wallet gets unless told otherwise. */
export const WALLET = 'my-wallet';

/** Imports the seed phrase (key derivation v2) as a wallet with SEED_PASSPHRASE; it stays locked. */
export async function importSeedWallet(gw: TestGateway, wallet = WALLET): Promise<void> {
  await gw.call('admin.import_wallet', { wallet, passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
}

/** A test gateway (see startTestGateway) that already holds the seed wallet as "my-wallet". */
export async function startWalletGateway(overrides: Partial<GatewayConfig> = {}, dataDir?: string): Promise<TestGateway> {
  const gw = await startTestGateway(overrides, dataDir);
  try {
    await importSeedWallet(gw);
  } catch (error) {
    await gw.close();
    throw error;
  }
  return gw;
}

export interface ReadyApp {
  token: string;
  wallet: string;
  hostname: string;
  /** The wallet's keys, the seed's first key first. */
  keys: string[];
}

export interface ReadyAppOptions {
  wallet?: string;
  hostname?: string;
  /** Keys to generate on top of the first one. */
  extraKeys?: number;
}

/**
 * A wallet imported from the seed phrase, an application connected to it with
 * read access (both approved by the owner on the operator door), and the wallet
 * unlocked: what an application needs before it can send transactions.
 */
export async function readyApp(gw: TestGateway, options: ReadyAppOptions = {}): Promise<ReadyApp> {
  const wallet = options.wallet ?? WALLET;
  const hostname = options.hostname ?? 'vega.xyz';
  await importSeedWallet(gw, wallet);
  const keys = [FIRST_KEY];
  for (let i = 0; i < (options.extraKeys ?? 0); i++) {
    const key = (await gw.call('admin.generate_key', { wallet, passphrase: SEED_PASSPHRASE })) as { publicKey: string };
    keys.push(key.publicKey);
  }
  const token = await connectApp(gw, hostname, wallet);
  await grantPermissions(gw, token, 'read');
  await gw.call('admin.unlock_wallet', { wallet, passphrase: SEED_PASSPHRASE });
  return { token, wallet, hostname, keys };
}

/** A dApp command as session.*_transaction take it: its JSON, base64-encoded. */
export const encodeCommand = (command: Record<string, unknown>): string => Buffer.from(JSON.stringify(command)).toString('base64');

/** Calls a session method on the application door and returns the whole JSON-RPC answer. */
export async function session(gw: TestGateway, method: string, params: unknown, headers: Record<string, string> = {}): Promise<any> {
  const { body } = await gw.app({ jsonrpc: '2.0', id: 1, method, params }, headers);
  return body;
}

/** Calls an admin method on the operator door and returns the whole JSON-RPC answer (for the ones expected to fail). */
export async function admin(gw: TestGateway, method: string, params: unknown): Promise<any> {
  const { body } = await gw.admin({ jsonrpc: '2.0', id: 1, method, params });
  return body;
}
