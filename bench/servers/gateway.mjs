/**
 * The gateway under test, started from dist/ in its own process.
 * argv[2]: JSON overrides of the gateway config (dataDir is required).
 * Talks to the harness over the IPC channel: 'ready' once both doors listen,
 * 'memory' answers process.memoryUsage() (after a full GC when --expose-gc is
 * on), 'cpu' answers process.cpuUsage(), 'profile-start' / 'profile-stop' record a CPU
 * profile of a window (the same sampler as --cpu-prof), 'heap-start' / 'heap-stop' a sampled
 * allocation profile of a window (collected objects included), 'stop' closes the gateway and
 * exits (which also writes a --cpu-prof profile when the process was started with it).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { pathToFileURL } from 'node:url';

// BENCH_DIST points at another build (e.g. a copy of dist/ from before a change) for A/B comparisons.
const dist = process.env.BENCH_DIST ? pathToFileURL(`${process.env.BENCH_DIST.replace(/\/$/, '')}/`).href : new URL('../../dist/', import.meta.url).href;
const { defaultConfig } = await import(`${dist}src/config.js`);
const { startGateway } = await import(`${dist}src/gateway.js`);
const { createLogger } = await import(`${dist}src/logger.js`);

let profiler;
const post = (method, params = {}) => new Promise((resolve, reject) => profiler.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

const overrides = JSON.parse(process.argv[2] ?? '{}');
if (!overrides.dataDir) throw new Error('dataDir is required');
const config = defaultConfig({ host: '127.0.0.1', port: 0, adminPort: 0, logLevel: 'error', ...overrides });
const gateway = await startGateway(config, { logger: createLogger('error') });

process.on('message', async (message) => {
  try {
    if (message.type === 'profile-start' || message.type === 'heap-start') {
      profiler ??= new Session();
      profiler.connect();
      if (message.type === 'profile-start') {
        // The same V8 sampling profiler as --cpu-prof, limited to a window (the load, not the set-up).
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: message.intervalUs ?? 200 });
        await post('Profiler.start');
      } else {
        // Allocation sampling, garbage included: what the window allocated, not what it kept.
        await post('HeapProfiler.enable');
        await post('HeapProfiler.startSampling', { samplingInterval: message.intervalBytes ?? 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      }
      process.send({ id: message.id });
    } else if (message.type === 'profile-stop' || message.type === 'heap-stop') {
      const { profile } = await post(message.type === 'profile-stop' ? 'Profiler.stop' : 'HeapProfiler.stopSampling');
      writeFileSync(message.path, JSON.stringify(profile));
      profiler.disconnect();
      process.send({ id: message.id, path: message.path });
    } else if (message.type === 'cpu') {
      process.send({ id: message.id, cpu: process.cpuUsage() });
    } else if (message.type === 'memory') {
      if (globalThis.gc) {
        // A few rounds: weak references and finalizers need more than one pass to settle.
        for (let i = 0; i < 3; i++) {
          globalThis.gc();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      process.send({ id: message.id, memory: process.memoryUsage() });
    } else if (message.type === 'stop') {
      await gateway.close();
      process.exit(0);
    }
  } catch (error) {
    process.send({ id: message.id, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));

process.send({
  type: 'ready',
  applicationUrl: gateway.applicationUrl,
  operatorUrl: gateway.operatorUrl,
  adminToken: gateway.adminToken,
  devnetUrl: gateway.devnet?.url,
  chainId: gateway.devnet?.chainId,
  pid: process.pid,
});
