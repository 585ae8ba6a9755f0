// The TLS 1.3 vocabulary: every codepoint the stack speaks, with its IANA name.
// Names are the registry's own spelling so logs, configs and reports match specs and Wireshark.

export const ContentType = {
  invalid: 0,
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  compressed_certificate: 25, // RFC 8879
  message_hash: 254,
} as const;
export type HandshakeType = (typeof HandshakeType)[keyof typeof HandshakeType];

export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  compress_certificate: 27, // RFC 8879
  record_size_limit: 28, // RFC 8449
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  tls_flags: 62, // draft-ietf-tls-tlsflags
  trust_anchors: 0xca34, // draft-ietf-tls-trust-anchor-ids: TBD there; BoringSSL's experimental value
} as const;
export type ExtensionType = (typeof ExtensionType)[keyof typeof ExtensionType];

export const AlertLevel = { warning: 1, fatal: 2 } as const;

export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;
export type AlertDescription = (typeof AlertDescription)[keyof typeof AlertDescription];

export function alertName(code: number): string {
  return nameOf(AlertDescription, code) ?? `alert_${code}`;
}

export const ProtocolVersion = { TLS12: 0x0303, TLS13: 0x0304 } as const;

/** Key exchange groups (supported_groups / key_share). Hybrid codes from draft-ietf-tls-ecdhe-mlkem,
 *  pure ML-KEM from draft-ietf-tls-mlkem. */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  x25519: 0x001d,
  MLKEM512: 0x0200,
  MLKEM768: 0x0201,
  MLKEM1024: 0x0202,
  SecP256r1MLKEM768: 0x11eb,
  X25519MLKEM768: 0x11ec,
  SecP384r1MLKEM1024: 0x11ed,
} as const;
export type GroupName = keyof typeof NamedGroup;

export const CipherSuite = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
} as const;
export type CipherSuiteName = keyof typeof CipherSuite;

/** SignatureScheme. ML-DSA codes from draft-ietf-tls-mldsa (pure ML-DSA, empty context).
 *  rsa_pkcs1_* are only valid in certificates (signature_algorithms_cert), never in CertificateVerify. */
export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
  mldsa44: 0x0904,
  mldsa65: 0x0905,
  mldsa87: 0x0906,
} as const;
export type SignatureSchemeName = keyof typeof SignatureScheme;

/**
 * RFC 8879 certificate compression algorithms. draft-ietf-tls-cert-abridge has no codepoint yet
 * (its IANA section is a TODO): pqtls uses 0x4000 for "abridged" until one is assigned.
 */
export const CertificateCompressionAlgorithm = { zlib: 1, brotli: 2, zstd: 3, abridged: 0x4000 } as const;
export type CertificateCompressionName = keyof typeof CertificateCompressionAlgorithm;

/**
 * Flags in tls_flags (draft-ietf-tls-tlsflags). draft-kampanakis-tls-scas-latest-03 asks IANA for
 * "0xTBD1" and no value is assigned yet: pqtls uses flag 8, the first of the registry's
 * Specification Required range, until one is. Both ends must agree, so change it here only.
 */
export const TlsFlag = { suppress_ca_certificates: 8 } as const;

export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

// Reverse maps built once per table: nameOf runs several times per handshake, and walking
// Object.entries on every call cost about 1 % of handshake CPU. The tables are constants, so the
// map never goes stale; a WeakMap keys it by the table object without keeping any table alive.
const reverseMaps = new WeakMap<object, Map<number, string>>();

/** Reverse lookup: code → name, for any of the tables above (the first name, if a code repeats). */
export function nameOf<T extends Record<string, number>>(table: T, code: number): keyof T | undefined {
  let reverse = reverseMaps.get(table);
  if (reverse === undefined) {
    reverse = new Map();
    for (const [name, value] of Object.entries(table)) if (!reverse.has(value)) reverse.set(value, name);
    reverseMaps.set(table, reverse);
  }
  return reverse.get(code) as keyof T | undefined;
}
