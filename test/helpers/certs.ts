// Certificates for tests: the same openssl-made CA and leaves `npm start -- --tls` uses.
export { makeCa, makeLeaf, type TestCa, type TestLeaf } from '../../cmd/lib/dev-certs.js';
