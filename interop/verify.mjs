// Verify rcep-origin credentials with an independent implementation (Digital Bazaar's
// @digitalbazaar/vc + eddsa-rdfc-2022 cryptosuite + bitstring status list), fully offline.
//
//   node verify.mjs BUNDLE.json [--repeat N]
//
// BUNDLE: {credentials: [...], didDocuments: [...], statusLists: [...],
//          contexts: {url: document}, now: "ISO date-time" (optional)}
// Prints one JSON object per credential:
//   {id, verified, status: {revocation, suspension}, errors, keyLifetime}
// keyLifetime is this script's reading of the verification method's W3C CID 1.0 `revoked` /
// `expires` in the DID document against the proof's `created` (a proof made at or after either
// is outside the key's lifetime): {created, revoked, expires, within}. The library itself
// (DataIntegrityProof) does not look at either member; a verifier that cares applies this.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as vcContexts} from '@digitalbazaar/credentials-context';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';

const [bundlePath, ...rest] = process.argv.slice(2);
const repeat = rest[0] === '--repeat' ? Number(rest[1]) : 0;
const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));

const docs = new Map([...vcContexts, ...didContext.contexts, ...multikeyContext.contexts]);
for(const [url, document] of Object.entries(bundle.contexts ?? {})) docs.set(url, document);
for(const didDocument of bundle.didDocuments ?? []) docs.set(didDocument.id, didDocument);
for(const list of bundle.statusLists ?? []) docs.set(list.id, list);

async function documentLoader(url) {
  const [base] = url.split('#');
  let document = docs.get(url) ?? docs.get(base);
  if(document && url !== base && base.startsWith('did:')) {
    const method = document.verificationMethod.find(m => m.id === url);
    if(!method) throw new Error(`verification method not found: ${url}`);
    document = {'@context': 'https://w3id.org/security/multikey/v1', ...method};
  }
  if(!document) throw new Error(`refusing to load ${url} (offline)`);
  return {contextUrl: null, documentUrl: url, document};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const now = bundle.now ? new Date(bundle.now) : undefined;

async function verifyOne(credential) {
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus, now});
  const status = {};
  for(const entry of result.statusResult?.results ?? []) {
    status[entry.credentialStatus?.statusPurpose ?? 'unknown'] = entry.status;
  }
  const errors = [];
  const collect = error => {
    if(!error) return;
    if(Array.isArray(error.errors)) error.errors.forEach(collect); else errors.push(error.message);
  };
  collect(result.error);
  for(const r of result.results ?? []) collect(r.error);
  return {id: credential.id, verified: result.verified, status, errors, keyLifetime: keyLifetime(credential)};
}

function keyLifetime(credential) {
  const {created, verificationMethod: id} = credential.proof ?? {};
  const [base] = String(id).split('#');
  const method = docs.get(base)?.verificationMethod?.find(m => m.id === id);
  if(!method || !created) return null;
  const at = Date.parse(created);
  const ends = [method.revoked, method.expires].filter(Boolean).map(Date.parse);
  return {created, revoked: method.revoked ?? null, expires: method.expires ?? null,
    within: ends.every(end => at < end)};
}

if(repeat > 0) {
  const started = performance.now();
  for(let i = 0; i < repeat; i++) await verifyOne(bundle.credentials[i % bundle.credentials.length]);
  const elapsed = performance.now() - started;
  console.log(JSON.stringify({repeat, ms_per_verification: elapsed / repeat, per_second: repeat / elapsed * 1000}));
} else {
  for(const credential of bundle.credentials) console.log(JSON.stringify(await verifyOne(credential)));
}
