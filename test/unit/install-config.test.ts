/**
 * How native modules are installed: better-sqlite3 is compiled from its npm registry tarball,
 * never fetched as a prebuilt binary from elsewhere. Its install step asks prebuild-install first;
 * the project's .prebuild-installrc must tell it to build from source, without any flag from the
 * environment or the npm command line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(new URL('../../package.json', import.meta.url));
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));

describe('native module install', () => {
  test("better-sqlite3's install step starts with prebuild-install and falls back to a build", () => {
    const pkg = JSON.parse(readFileSync(`${sqliteDir}/package.json`, 'utf8'));
    expect(pkg.scripts.install).toMatch(/^prebuild-install \|\| node-gyp rebuild/);
  });

  test('prebuild-install, run from better-sqlite3 as npm runs it, is set to build from source', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name) && !/^prebuild-install_/i.test(name)));
    const script = "const rc = require(require.resolve('prebuild-install/rc.js', { paths: [process.cwd()] })); console.log(JSON.stringify(rc(require('./package.json')).buildFromSource))";
    // An empty home, so that no ~/.prebuild-installrc of whoever runs the tests counts.
    const home = mkdtempSync(join(tmpdir(), 'install-config-'));
    try {
      const out = execFileSync(process.execPath, ['-e', script], { cwd: sqliteDir, env: { ...env, HOME: home }, encoding: 'utf8' });
      expect(JSON.parse(out)).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
