// Worker-thread entry for ProofOfWorkSolver (pow.ts). Each message is one chunk of nonces to
// scan; the reply carries the chunk's start back so the pool can match it to its search. The
// worker keeps serving chunks until it receives { type: 'stop' } or is terminated.
import { parentPort } from 'node:worker_threads';
import { searchRange } from './pow-search.js';

if (!parentPort) throw new Error('pow-worker.js is meant to run as a worker thread');
const port = parentPort;

port.on('message', (job) => {
  if (job && job.type === 'stop') {
    // Closing the port leaves nothing to keep the thread's event loop alive, so it exits.
    port.close();
    return;
  }
  const { blockHash, tid, difficulty, start, count } = job;
  try {
    const found = searchRange(blockHash, tid, difficulty, BigInt(start), count);
    port.postMessage({ found: found === null ? null : found.toString(), start });
  } catch (err) {
    // Report instead of throwing: an uncaught error would kill the thread and its pool slot.
    port.postMessage({ found: null, start, error: err instanceof Error ? err.message : String(err) });
  }
});
