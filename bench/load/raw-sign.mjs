/**
 * The signing floor: node:crypto Ed25519 over SHA3-256 of the same message
 * the gateway signed (chainID ‖ 0x00 ‖ InputData), with a KeyObject made once.
 * argv[2]: JSON { secretKeyHex, messageHex, durationS }. Sends back { rps }.
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { loadOptions } from '../lib/common.mjs';

const o = loadOptions();
const key = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(o.secretKeyHex, 'hex')]),
  format: 'der',
  type: 'pkcs8',
});
const message = Buffer.from(o.messageHex, 'hex');
const once = () => sign(null, createHash('sha3-256').update(message).digest(), key);
for (let i = 0; i < 2000; i++) once(); // warm-up
let count = 0;
const started = performance.now();
const deadline = started + o.durationS * 1000;
while (performance.now() < deadline) {
  for (let i = 0; i < 200; i++) once();
  count += 200;
}
const elapsed = (performance.now() - started) / 1000;
process.send({ requests: count, rps: count / elapsed });
