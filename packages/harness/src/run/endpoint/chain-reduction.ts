// The chain_reduction and client_knowledge dimensions (issue 20) as @pqtls/tls13 options: what the
// pqtls endpoints add to connect() / createServer() for each value. Both ends derive everything from
// the cell's chain files (the server's chain.pem: leaf, then its CA certificates; the root the
// client trusts), so client and server agree on the abridged list and dictionary without a channel.
//
// Client knowledge is which CA certificates the client holds before the measured connection:
// none; preloaded (as browsers preload intermediates: every CA certificate of the chain); cached
// (what a warm-up connection to the same server left in the client's store, see the runner).

import type { ChainReduction, ClientKnowledge } from "@pqtls/report/dimensions";
import {
  type AbridgedScheme,
  buildAbridgedScheme,
  type Certificate,
  type ClientOptions,
  IntermediateStore,
  loadCertificates,
  type ServerOptions,
} from "@pqtls/tls13";

// The value lists are the registry's (vocabularies.ts).
export type { ChainReduction, ClientKnowledge };

/**
 * Trust anchor IDs of the experiment's PKI: the root's, and the issuing intermediate's for a client
 * that holds it as an anchor. 32473 is the documentation enterprise number (RFC 5612), the
 * draft's own example prefix.
 */
export const ROOT_ANCHOR_ID = "32473.1";
export const INTERMEDIATE_ANCHOR_ID = "32473.2";

/** The chain's CA certificates (all but the leaf of chain.pem) and the root, parsed once per file. */
interface ChainParts {
  leaf: Certificate;
  cas: Certificate[];
  root: Certificate[];
}
const parsed = new Map<string, ChainParts>();
function casOf(chainPem: string, rootPem: string): ChainParts {
  const key = `${chainPem}\0${rootPem}`;
  let p = parsed.get(key);
  if (!p) {
    const chain = loadCertificates(chainPem);
    p = { leaf: chain[0], cas: chain.slice(1), root: loadCertificates(rootPem) };
    parsed.set(key, p);
  }
  return p;
}

const schemes = new Map<string, AbridgedScheme>();
/**
 * The abridged list and dictionary, built the same way at both ends from the chain's CA certificates
 * and root (the draft's CCADB list cannot be reached from here); the leaf only as the sample of leaf
 * extensions the draft's dictionary takes from CT.
 */
function abridgedSchemeFor(chainPem: string, rootPem: string): AbridgedScheme {
  const key = `${chainPem}\0${rootPem}`;
  let s = schemes.get(key);
  if (!s) {
    const { leaf, cas, root } = casOf(chainPem, rootPem);
    s = buildAbridgedScheme([...cas, ...root], [leaf]);
    schemes.set(key, s);
  }
  return s;
}

/** Server options for a chain_reduction value; the server's `cert` stays the whole chain (the fallback). */
export function serverReductionOptions(
  reduction: ChainReduction,
  chainPem: string,
  rootPem: string,
): Partial<ServerOptions> {
  switch (reduction) {
    case "none":
      // The library honours a suppression request by default; no client of this value sends one.
      return {};
    case "suppress-ca":
      return { suppressCaCertificates: true };
    case "trust-anchor-ids": {
      const { leaf } = casOf(chainPem, rootPem);
      // The complete path for a client trusting the root; the leaf alone for one holding the intermediate.
      return {
        trustAnchorChains: [
          { id: ROOT_ANCHOR_ID, cert: chainPem },
          { id: INTERMEDIATE_ANCHOR_ID, cert: [leaf] },
        ],
      };
    }
    case "abridged":
      return { certificateCompression: ["abridged"], abridgedScheme: abridgedSchemeFor(chainPem, rootPem) };
    case "mtc-model":
    case "authkem-model":
      // A size model is its chain (the runner gives the server the model's): today's handshake carries it.
      return {};
    default:
      return { certificateCompression: [reduction] };
  }
}

/** Stores of cached knowledge, one per server chain, kept for the client driver's life. */
const cachedStores = new Map<string, IntermediateStore>();

function cachedStore(chainPem: string): IntermediateStore {
  let store = cachedStores.get(chainPem);
  if (!store) {
    store = new IntermediateStore();
    cachedStores.set(chainPem, store);
  }
  return store;
}

/**
 * Client options for a (chain_reduction, client_knowledge) pair. `ca` is the root the client
 * trusts; the result may replace it (an intermediate held as a trust anchor). `warmup`: the
 * unmeasured connection that fills the cached knowledge (client_knowledge cached) before a measured one.
 */
export function clientReductionOptions(
  reduction: ChainReduction,
  knowledge: ClientKnowledge,
  chainPem: string,
  rootPem: string,
  warmup = false,
): Partial<ClientOptions> {
  switch (reduction) {
    case "none":
      return {};
    case "suppress-ca": {
      if (knowledge === "preloaded")
        return { suppressCaCertificates: new IntermediateStore(casOf(chainPem, rootPem).cas) };
      // Cached: the store a warm-up connection filled (a cold store asks nothing and fills itself).
      if (knowledge === "cached") return { suppressCaCertificates: cachedStore(chainPem) };
      // Knows nothing: an empty store never asks (the draft's client must hold the intermediates).
      return { suppressCaCertificates: new IntermediateStore() };
    }
    case "trust-anchor-ids": {
      // The warm-up only collects the verified chain's CA certificates into the cache.
      if (warmup && knowledge === "cached") return { suppressCaCertificates: cachedStore(chainPem) };
      const held =
        knowledge === "preloaded"
          ? casOf(chainPem, rootPem).cas
          : knowledge === "cached"
            ? cachedStore(chainPem).certificates()
            : [];
      // The issuing intermediate held as a trust anchor with its own ID: the server elides it.
      // Holding none (or a chain without one, leaf under the root): the root's ID, the whole path.
      if (!held.length) return { trustAnchorIds: [ROOT_ANCHOR_ID] };
      return { ca: [held[0]], trustAnchorIds: [INTERMEDIATE_ANCHOR_ID] };
    }
    case "abridged":
      return { certificateCompression: ["abridged"], abridgedScheme: abridgedSchemeFor(chainPem, rootPem) };
    case "mtc-model":
    case "authkem-model":
      // The client trusts the model's root (the runner's caFile) and does nothing else.
      return {};
    default:
      return { certificateCompression: [reduction] };
  }
}
