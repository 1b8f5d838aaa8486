/**
 * The command codec against the self-made end-to-end vectors of the Vega
 * facts sheet (§5.5): the same JSON must give the same bytes.
 */
import { schema_TransactionCommand } from '../../generated/validators.js';
import { decodeCommand, encodeCommand, encodeMessage, supportedCommands } from '../../src/domain/vega/command-codec.js';
import { encodeInputData } from '../../src/domain/vega/transaction.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const VECTORS = [
  {
    name: 'E2E-1 voteSubmission',
    json: '{"voteSubmission":{"proposalId":"6f811372ac081642ba00d01d7dd8fd5da13568fe02d167bde1bc90d235fd2b55","value":"VALUE_YES"}}',
    nonce: 17357486016577443463n,
    command: '0a40366638313133373261633038313634326261303064303164376464386664356461313335363866653032643136376264653162633930643233356664326235351002',
    inputData:
      '0887ada29f97b28bf1f0011087ad4bf23e440a40366638313133373261633038313634326261303064303164376464386664356461313335363866653032643136376264653162633930643233356664326235351002',
  },
  {
    name: 'E2E-2 orderSubmission',
    json: '{"orderSubmission":{"marketId":"ca394d8238c4b4a04a50f33b7e193fee01a03fed9057022f613b6fcb5e671479","price":"100000","size":"10","side":"SIDE_BUY","timeInForce":"TIME_IN_FORCE_GTT","expiresAt":"1735689600000000000","type":"TYPE_LIMIT","reference":"facts-ref-1","postOnly":true,"icebergOpts":{"peakSize":"5","minimumVisibleSize":"2"}}}',
    nonce: 42n,
    command:
      '0a40636133393464383233386334623461303461353066333362376531393366656530316130336665643930353730323266363133623666636235653637313437391206313030303030180a20012802308080dc82ec8f9a8b183801420b66616374732d7265662d315001620408051002',
    inputData:
      '082a1087ad4bca3e710a40636133393464383233386334623461303461353066333362376531393366656530316130336665643930353730323266363133623666636235653637313437391206313030303030180a20012802308080dc82ec8f9a8b183801420b66616374732d7265662d315001620408051002',
  },
  {
    name: 'E2E-3 orderAmendment',
    json: '{"orderAmendment":{"orderId":"98c135409c2c53142f37734d55ea7fbe2451a4c7242d5966df5255b2af2417ec","marketId":"ca394d8238c4b4a04a50f33b7e193fee01a03fed9057022f613b6fcb5e671479","price":"99000","sizeDelta":"-5"}}',
    nonce: 43n,
    command:
      '0a40393863313335343039633263353331343266333737333464353565613766626532343531613463373234326435393636646635323535623261663234313765631240636133393464383233386334623461303461353066333362376531393366656530316130336665643930353730323266363133623666636235653637313437391a05393930303020fbffffffffffffffff01',
    inputData:
      '082b1087ad4bda3e96010a40393863313335343039633263353331343266333737333464353565613766626532343531613463373234326435393636646635323535623261663234313765631240636133393464383233386334623461303461353066333362376531393366656530316130336665643930353730323266363133623666636235653637313437391a05393930303020fbffffffffffffffff01',
  },
];

describe.each(VECTORS)('$name', ({ json, nonce, command, inputData }) => {
  const parsed = JSON.parse(json) as Record<string, Record<string, unknown>>;
  const [type, value] = Object.entries(parsed)[0] as [string, Record<string, unknown>];

  test('the JSON is a valid command of the spec', () => {
    expect(schema_TransactionCommand(parsed)).toBe(true);
  });

  test('encodes to the command bytes and the InputData bytes of the vector', () => {
    const encoded = encodeCommand(type, value);
    expect(hex(encoded.bytes)).toBe(command);
    expect(hex(encodeInputData({ nonce, blockHeight: 1234567n, commandField: encoded.field, command: encoded.bytes }))).toBe(inputData);
  });

  test('decodes back to the same JSON', () => {
    const { field, bytes } = encodeCommand(type, value);
    expect(decodeCommand(field, bytes)).toEqual({ commandType: type, value });
  });
});

test('proto3 rules: defaults are left out, explicit presence and empty sub-messages are written', () => {
  // A plain bool false and a zero uint64 are not written; optional zero is.
  expect(hex(encodeMessage('OrderSubmission', { size: '0', postOnly: false }))).toBe('');
  expect(hex(encodeMessage('OrderAmendment', { size: '0' }))).toBe('4800');
  // A set but empty sub-message is key + zero length.
  expect(hex(encodeMessage('OrderSubmission', { peggedOrder: {} }))).toBe('4a00');
  // Numbers are accepted where protobuf JSON allows them, and enums by number.
  expect(encodeMessage('OrderSubmission', { size: 10, side: 1 })).toEqual(encodeMessage('OrderSubmission', { size: '10', side: 'SIDE_BUY' }));
  // Repeated messages and strings, and the oneof of a transfer.
  const transfer = {
    fromAccountType: 'ACCOUNT_TYPE_GENERAL',
    to: 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0',
    toAccountType: 'ACCOUNT_TYPE_GENERAL',
    asset: 'a'.repeat(64),
    amount: '1',
    reference: 'r',
    recurring: { startEpoch: '10', factor: '1', dispatchStrategy: { markets: ['m1', 'm2'], rankTable: [{ startRank: 1, shareRatio: 10 }] } },
  };
  const { field, bytes } = encodeCommand('transfer', transfer);
  expect(field).toBe(1012);
  expect(decodeCommand(field, bytes).value).toEqual(transfer);
});

test('the fourteen commands of the issue are the ones supported', () => {
  expect(supportedCommands().sort()).toEqual(
    [
      'voteSubmission',
      'transfer',
      'orderSubmission',
      'orderCancellation',
      'orderAmendment',
      'batchMarketInstructions',
      'stopOrdersCancellation',
      'delegateSubmission',
      'undelegateSubmission',
      'withdrawSubmission',
      'cancelTransfer',
      'applyReferralCode',
      'joinTeam',
      'updatePartyProfile',
    ].sort(),
  );
});

test('the schema refuses what the node would: two commands, unknown fields, bad enums, both members of a oneof', () => {
  const vote = { proposalId: 'p', value: 'VALUE_YES' };
  expect(schema_TransactionCommand({ voteSubmission: vote, joinTeam: { id: 'x' } })).toBe(false);
  expect(schema_TransactionCommand({ voteSubmission: { ...vote, proposal_id: 'p' } })).toBe(false);
  expect(schema_TransactionCommand({ voteSubmission: { ...vote, value: 'VALUE_MAYBE' } })).toBe(false);
  expect(schema_TransactionCommand({ proposalSubmission: {} })).toBe(false);
  expect(schema_TransactionCommand({ orderSubmission: { size: '-1' } })).toBe(false);
  expect(schema_TransactionCommand({ orderAmendment: { sizeDelta: '-5' } })).toBe(true);
  expect(schema_TransactionCommand({ transfer: { oneOff: { deliverOn: '0' }, recurring: { factor: '1' } } })).toBe(false);
  expect(schema_TransactionCommand({})).toBe(false);
});

test('a JSON number beyond 2^53 is refused rather than signed rounded; the same value as a string is exact', () => {
  // 9007199254740993 cannot be a JSON number without rounding to ...992.
  expect(() => encodeCommand('orderSubmission', { size: 9007199254740993 })).toThrow(/decimal strings/);
  expect(() => encodeCommand('orderSubmission', { size: 1e20 })).toThrow(/decimal strings/);
  const exact = encodeCommand('orderSubmission', { size: '9007199254740993' });
  expect(decodeCommand(exact.field, exact.bytes).value).toEqual({ size: '9007199254740993' });
  expect(encodeCommand('orderSubmission', { size: 9007199254740991 }).bytes).toEqual(encodeCommand('orderSubmission', { size: '9007199254740991' }).bytes);
});
