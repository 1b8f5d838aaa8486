import { createHook } from 'node:async_hooks';

/**
 * Keeps one of Node's tick objects (the record `process.nextTick` puts in its queue) alive for
 * the life of the process, so that building the next one stays on V8's fast path.
 *
 * Node builds a tick object with an object literal whose first two keys are computed (two
 * symbols). For such a key V8 remembers, per literal, the hidden class the object had before it,
 * and the first time it meets another one it stops remembering for good: from then on every tick
 * object is built through V8's runtime, one hidden-class transition after another. Those hidden
 * classes are held weakly. A few full garbage collections while no tick object is alive (V8's
 * memory reducer runs such collections by itself once a process goes quiet) can free them; the
 * next tick object is built on new ones, and from then on the process pays the slow path on
 * every `nextTick`, several per HTTP exchange, for the rest of its life. One tick object kept
 * alive keeps its chain of hidden classes, so the literal always meets the same ones.
 *
 * Measured with bench/tools/after-idle-gc.mjs (gateways of each build loaded in turns with HTTP
 * get_chain_id): after 40 s of idle time, every gateway without the kept object had gone to the
 * slow path and none with it, 22.0 against 19.0 µs of CPU per request (0.86×); after six forced
 * full collections, 29.4 against 25.6 µs (0.87×).
 *
 * Relies on Node naming these async resources 'TickObject' (as it has since async_hooks came);
 * under a Node that does not, nothing is kept and nothing else changes.
 */
export function keepTickObjectShape(): void {
  if (kept !== undefined) return;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && kept === undefined) kept = resource as object;
    },
  });
  hook.enable();
  try {
    process.nextTick(doNothing);
  } finally {
    hook.disable();
  }
}

/** The tick object kept, if `keepTickObjectShape` found one. */
export function keptTickObject(): object | undefined {
  return kept;
}

let kept: object | undefined;

function doNothing(): void {}
