// CommonJS stand-in for @open-rpc/spec-types, which ships only as ESM while
// @open-rpc/schema-utils-js require()s it; jest's ESM mode cannot require ESM on Node 20.
// It exposes the same meta-schemas, read from @open-rpc/spec's JSON files.
module.exports = {
  spec: {
    OpenRPCSpecificationSchema1_3: require('@open-rpc/spec/1_3/schema.json'),
    OpenRPCSpecificationSchema1_4: require('@open-rpc/spec/1_4/schema.json'),
  },
};
