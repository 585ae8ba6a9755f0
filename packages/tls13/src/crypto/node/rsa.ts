// RSA signature schemes on node:crypto. Used by every provider, the pure-JS one included: noble has
// no RSA, and a JS bigint RSA would only measure bigint speed.

import { constants, sign, verify } from "node:crypto";
import { SignatureScheme } from "../../wire/codepoints.js";
import { asBytes } from "../bytes.js";
import type { KeyAlgorithm, SignatureAlgorithm } from "../provider.js";
import { privateKeyObject, publicKeyObject } from "./keys.js";

type RsaSchemeName =
  | "rsa_pkcs1_sha256"
  | "rsa_pkcs1_sha384"
  | "rsa_pkcs1_sha512"
  | "rsa_pss_rsae_sha256"
  | "rsa_pss_rsae_sha384"
  | "rsa_pss_rsae_sha512"
  | "rsa_pss_pss_sha256"
  | "rsa_pss_pss_sha384"
  | "rsa_pss_pss_sha512";

function rsaScheme(name: RsaSchemeName): SignatureAlgorithm {
  const hash = name.slice(name.lastIndexOf("_") + 1); // "sha256" | "sha384" | "sha512"
  const pss = name.startsWith("rsa_pss");
  const keyAlgorithms: readonly KeyAlgorithm[] = name.startsWith("rsa_pss_pss") ? ["rsa-pss"] : ["rsa"];
  // RFC 8446 §4.2.3: PSS salt length equals the digest length.
  const saltLength = hash === "sha256" ? 32 : hash === "sha384" ? 48 : 64;
  const padding = pss
    ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }
    : { padding: constants.RSA_PKCS1_PADDING };
  return {
    name,
    code: SignatureScheme[name],
    keyAlgorithms,
    sign(key, message) {
      if (!keyAlgorithms.includes(key.algorithm))
        throw new Error(`${name} cannot sign with a ${key.algorithm} key`);
      return asBytes(sign(hash, message, { key: privateKeyObject(key), ...padding }));
    },
    verify(key, message, signature) {
      if (!keyAlgorithms.includes(key.algorithm)) return false;
      try {
        return verify(hash, message, { key: publicKeyObject(key), ...padding }, signature);
      } catch {
        return false;
      }
    },
  };
}

export const RSA_SCHEME_NAMES: readonly RsaSchemeName[] = [
  "rsa_pkcs1_sha256",
  "rsa_pkcs1_sha384",
  "rsa_pkcs1_sha512",
  "rsa_pss_rsae_sha256",
  "rsa_pss_rsae_sha384",
  "rsa_pss_rsae_sha512",
  "rsa_pss_pss_sha256",
  "rsa_pss_pss_sha384",
  "rsa_pss_pss_sha512",
];

export const rsaSignatures: Record<RsaSchemeName, SignatureAlgorithm> = Object.fromEntries(
  RSA_SCHEME_NAMES.map((name) => [name, rsaScheme(name)]),
) as Record<RsaSchemeName, SignatureAlgorithm>;
