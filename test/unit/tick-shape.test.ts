/**
 * The tick object the gateway keeps alive (src/tick-shape.ts): it must be one of Node's own, and
 * a tick object made after full garbage collections while nothing was queued must still be built
 * on its hidden class. If Node stopped naming these resources 'TickObject', or the object were
 * not kept, V8 would build every later tick object through its runtime (see the module's note),
 * and these checks fail.
 *
 * Runs in a child process: V8's `%HaveSameMap` needs --allow-natives-syntax, and gc() --expose-gc.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, requireBuild } from '../helpers/cli.js';

const module = pathToFileURL(join(ROOT, 'dist', 'src', 'tick-shape.js')).href;

const script = `
  import { createHook } from 'node:async_hooks';
  import { keepTickObjectShape, keptTickObject } from ${JSON.stringify(module)};

  keepTickObjectShape();
  const kept = keptTickObject();
  keepTickObjectShape();
  const again = keptTickObject() === kept;

  // Let the kept tick run, then collect everything that is garbage, as V8 does when a process idles.
  await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 6; i++) gc();

  let fresh;
  const hook = createHook({ init(_id, type, _trigger, resource) { if (type === 'TickObject') fresh = resource; } });
  hook.enable();
  process.nextTick(() => {});
  hook.disable();

  const ids = kept ? Object.getOwnPropertySymbols(kept).map((symbol) => typeof kept[symbol]) : [];
  console.log(JSON.stringify({
    kept: kept !== undefined,
    again,
    callback: typeof kept?.callback,
    ids,
    sameHiddenClass: kept !== undefined && fresh !== undefined && %HaveSameMap(kept, fresh),
  }));
`;

describe('the tick object kept for the life of the process', () => {
  it("is one of Node's tick objects, and later ones are built on its hidden class after idle full collections", () => {
    requireBuild('main.js');
    const dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-tick-'));
    try {
      const file = join(dir, 'tick.mjs');
      writeFileSync(file, script);
      const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', file], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({ kept: true, again: true, callback: 'function', ids: ['number', 'number'], sameHiddenClass: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
