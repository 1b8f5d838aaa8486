/**
 * Two CPU profiles side by side, as self time per request by function (from the profiles' own
 * sample intervals), largest differences first. The request counts are what the load reported.
 *   node bench/tools/profile-diff.mjs A.cpuprofile requestsA B.cpuprofile requestsB [N]
 */
import { readFileSync } from 'node:fs';

const [fileA, requestsA, fileB, requestsB, n = '30'] = process.argv.slice(2);

function perRequest(file, requests) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const label = ({ callFrame: f }) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\/.*?\/(node_modules|dist|bench)\//, '$1/')}:${f.lineNumber + 1}`;
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const key = label(nodes.get(id));
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  for (const [key, us] of self) self.set(key, us / Number(requests));
  return self;
}

const a = perRequest(fileA, requestsA);
const b = perRequest(fileB, requestsB);
const total = (m) => [...m.values()].reduce((sum, us) => sum + us, 0);
console.log(`µs per request (sampled wall time): A ${total(a).toFixed(2)}, B ${total(b).toFixed(2)}\n      A       B    B - A`);
const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => [key, a.get(key) ?? 0, b.get(key) ?? 0]);
rows.sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
for (const [key, x, y] of rows.slice(0, Number(n))) console.log(`${x.toFixed(3).padStart(7)} ${y.toFixed(3).padStart(7)} ${(y >= x ? '+' : '') + (y - x).toFixed(3)}  ${key}`);
