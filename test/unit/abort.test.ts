/**
 * Waiting on abort signals (src/abort.ts): many waiters on one shared signal (a node client's
 * close signal while a node is slow, a WebSocket connection's signal with many requests open)
 * must each be told, and must not each add a listener to the signal: Node's EventTarget looks
 * through all of a signal's listeners on every addEventListener.
 */
import { describe, expect, it } from '@jest/globals';
import { getEventListeners } from 'node:events';
import { linkedController, onAbort, untilAborted } from '../../src/abort.js';

const never = () => new Promise<never>(() => {});

describe('waiting on a shared signal', () => {
  it('20,000 waiters leave one listener on the signal, and each gets the reason when it aborts', async () => {
    const shared = new AbortController();
    const waits = Array.from({ length: 20_000 }, () => untilAborted(never(), [shared.signal]).then(() => 'resolved', (reason: unknown) => reason));
    const links = Array.from({ length: 1_000 }, () => linkedController([shared.signal]));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);

    const reason = new Error('closed');
    shared.abort(reason);
    const outcomes = await Promise.all(waits);
    expect(outcomes.every((o) => o === reason)).toBe(true);
    expect(links.every((l) => l.signal.aborted && l.signal.reason === reason)).toBe(true);
  });

  it('a waiter that stopped is not called; one whose promise settled keeps nothing on the signal', async () => {
    const shared = new AbortController();
    const calls: string[] = [];
    const stop = onAbort(shared.signal, () => calls.push('stopped'));
    onAbort(shared.signal, (reason) => calls.push(`kept: ${String(reason)}`));
    stop();

    const released = linkedController([shared.signal]);
    released.release();
    expect(await untilAborted(Promise.resolve('done'), [shared.signal])).toBe('done');

    shared.abort('bye');
    expect(calls).toEqual(['kept: bye']);
    expect(released.signal.aborted).toBe(false);
  });

  it('an already aborted signal rejects at once and a controller linked to it starts aborted', async () => {
    const reason = new Error('gone');
    const signal = AbortSignal.abort(reason);
    await expect(untilAborted(never(), [undefined, signal])).rejects.toBe(reason);
    expect(linkedController([signal]).signal.reason).toBe(reason);
  });

  it('the first of several signals to abort decides, and the others are let go', async () => {
    const caller = new AbortController();
    const closer = new AbortController();
    const waiting = untilAborted(never(), [caller.signal, closer.signal]);
    caller.abort('caller left');
    await expect(waiting).rejects.toBe('caller left');
    const link = linkedController([caller.signal, closer.signal]);
    expect(link.signal.reason).toBe('caller left');

    // The closer still works for those who wait on it next.
    const next = untilAborted(never(), [closer.signal]);
    closer.abort('closed');
    await expect(next).rejects.toBe('closed');
  });
});
