/** Where the gateway keeps its data, and the file names inside that directory. */
import { describe, expect, it } from '@jest/globals';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { adminTokenPath, databasePath, defaultConfig, resolveDataDir } from '../../src/config.js';

describe('resolveDataDir', () => {
  const env = { WALLET_GATEWAY_HOME: '/srv/gateway-home', XDG_DATA_HOME: '/srv/xdg-data' };

  it('prefers --data-dir over everything else', () => {
    expect(resolveDataDir('/opt/flag-dir', env)).toBe('/opt/flag-dir');
  });

  it('resolves a relative --data-dir against the working directory', () => {
    expect(resolveDataDir('./relative/dir', env)).toBe(resolve(process.cwd(), 'relative/dir'));
  });

  it('uses WALLET_GATEWAY_HOME when there is no flag, before XDG_DATA_HOME', () => {
    expect(resolveDataDir(undefined, env)).toBe('/srv/gateway-home');
  });

  it('uses $XDG_DATA_HOME/wallet-gateway when WALLET_GATEWAY_HOME is not set', () => {
    expect(resolveDataDir(undefined, { XDG_DATA_HOME: '/srv/xdg-data' })).toBe('/srv/xdg-data/wallet-gateway');
  });

  it('falls back to ~/.local/share/wallet-gateway', () => {
    expect(resolveDataDir(undefined, {})).toBe(join(homedir(), '.local', 'share', 'wallet-gateway'));
  });

  it('treats empty variables as unset', () => {
    expect(resolveDataDir(undefined, { WALLET_GATEWAY_HOME: '', XDG_DATA_HOME: '/srv/xdg-data' })).toBe('/srv/xdg-data/wallet-gateway');
    expect(resolveDataDir(undefined, { WALLET_GATEWAY_HOME: '', XDG_DATA_HOME: '' })).toBe(join(homedir(), '.local', 'share', 'wallet-gateway'));
  });
});

describe('defaults and file names', () => {
  it('listens on loopback on ports 1789 (application) and 1790 (operator)', () => {
    const config = defaultConfig({ dataDir: '/srv/d' });
    expect(config).toMatchObject({ dataDir: '/srv/d', host: '127.0.0.1', port: 1789, adminPort: 1790, logLevel: 'info', maxBatch: 100 });
  });

  it('keeps the database and the operator token inside the data directory', () => {
    expect(databasePath('/srv/d')).toBe('/srv/d/wallet-gateway.db');
    expect(adminTokenPath('/srv/d')).toBe('/srv/d/admin.token');
  });
});
