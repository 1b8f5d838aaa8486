/**
 * Summarises a V8 .cpuprofile (from node --cpu-prof): the functions with the
 * most self time, and the most inclusive time, as shares of the samples.
 *
 *   node bench/tools/profile-top.mjs FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';

const [file, n = '30'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map();
for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
const total = profile.samples.length;

const label = (node) => {
  const f = node.callFrame;
  const where = f.url ? `${f.url.replace(/^file:\/\/.*?\/(node_modules|dist|bench)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};

const selfBy = new Map();
const inclusiveBy = new Map();
for (const [id, count] of self) {
  const node = nodes.get(id);
  const key = label(node);
  selfBy.set(key, (selfBy.get(key) ?? 0) + count);
  // Each function on the stack once per sample, however often it recurses.
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const k = label(nodes.get(at));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusiveBy.set(k, (inclusiveBy.get(k) ?? 0) + count);
  }
}
const top = (map) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(n))
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(`${file}: ${total} samples\n\n-- self time --\n${top(selfBy)}\n\n-- inclusive time --\n${top(inclusiveBy)}`);

// With a third argument: who calls the functions whose label starts with it (self time of those, by caller).
const target = process.argv[4];
if (target) {
  const byCaller = new Map();
  for (const [id, count] of self) {
    if (!label(nodes.get(id)).startsWith(target)) continue;
    const chain = [];
    for (let at = parent.get(id); at !== undefined && chain.length < 4; at = parent.get(at)) chain.push(label(nodes.get(at)).split(' ')[0]);
    const k = chain.join(' < ');
    byCaller.set(k, (byCaller.get(k) ?? 0) + count);
  }
  console.log(`\n-- callers of ${target} --\n${top(byCaller)}`);
}
