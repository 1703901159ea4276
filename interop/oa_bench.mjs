// OpenAttestation (v2) on the same machine, for comparison: wrap N documents with the same
// fields as an rcep-origin certificate, sign the batch's Merkle root once (DID, secp256k1), then
// verify each document offline: schema, signature (Merkle proof) and the signer's address.
//   node oa_bench.mjs SUBJECTS.json N
// SUBJECTS.json: one certificate's subject, or a list of them (document i takes subject i mod
// the list's length), so that the documents can be the very certificates rcep-origin verifies.
import {readFileSync} from 'node:fs';
import oa from '@govtechsg/open-attestation';
import {Wallet, verifyMessage} from '@ethersproject/wallet';
import {arrayify} from '@ethersproject/bytes';

const {wrapDocuments, verifySignature, validateSchema, signDocument, SUPPORTED_SIGNING_ALGORITHM} = oa;
const [subjectsPath, count] = process.argv.slice(2);
const subjects = [].concat(JSON.parse(readFileSync(subjectsPath, 'utf8')));
const N = Number(count);
const wallet = Wallet.createRandom();
const did = `did:ethr:${wallet.address}`;
const raw = i => ({
  $template: {name: 'RCEP_CO', type: 'EMBEDDED_RENDERER', url: 'https://renderer.example.org'},
  issuers: [{id: did, name: 'Issuing body', revocation: {type: 'NONE'},
    identityProof: {type: 'DNS-DID', location: 'issuer.example.org', key: `${did}#controller`}}],
  ...subjects[i % subjects.length],
  number: subjects.length >= N ? subjects[i].number : `${subjects[i % subjects.length].number}-${i}`,
});
let t = performance.now();
const wrapped = wrapDocuments(Array.from({length: N}, (_, i) => raw(i)));
const wrapMs = performance.now() - t;
const {proof} = await signDocument(wrapped[0], SUPPORTED_SIGNING_ALGORITHM.Secp256k1VerificationKey2018,
  {private: wallet.privateKey, public: `${did}#controller`});
const signed = wrapped.map(w => ({...w, proof}));
t = performance.now();
let ok = 0;
for(const document of signed) {
  if(validateSchema(document) && verifySignature(document) &&
     verifyMessage(arrayify('0x' + document.signature.merkleRoot), document.proof[0].signature) === wallet.address) ok++;
}
const verifyMs = performance.now() - t;
console.log(JSON.stringify({documents: N, verified: ok, wrap_ms_per_doc: wrapMs / N, verify_ms_per_doc: verifyMs / N,
  verify_per_second: N / verifyMs * 1000}));
