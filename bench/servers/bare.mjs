/**
 * The floor: a node:http server (and a ws server on the same port) that reads
 * the body, parses the JSON-RPC request and answers a constant result for the
 * method, with the request's id. No validation, no database, no routing
 * beyond a Map lookup. What Node itself costs for this exchange.
 */
import { serveBare } from '../lib/bare-server.mjs';

// The same kind of values the gateway answers for these methods.
const RESULTS = new Map([
  ['session.get_chain_id', { chainID: 'wallet-gateway-devnet' }],
  ['session.list_keys', ['b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0']],
]);

function answer(text) {
  let request;
  try {
    request = JSON.parse(text);
  } catch {
    return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
  }
  const result = RESULTS.get(request.method);
  if (result === undefined) return JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, error: { code: -32601, message: 'method not found' } });
  return JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, result });
}

serveBare(answer);
