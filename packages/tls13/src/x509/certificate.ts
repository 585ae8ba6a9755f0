// The certificate model: one parse of the DER into the fields path validation and TLS need.
// Malformed input → TlsAlert(bad_certificate); an algorithm we do not speak (or RFC 9881 ML-DSA
// parameters that must be absent) → TlsAlert(unsupported_certificate).

import { AsnConvert } from "@peculiar/asn1-schema";
import { Name } from "@peculiar/asn1-x509";
import type { PublicKey } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { AlertDescription, type SignatureSchemeName } from "../wire/codepoints.js";
import { AlgorithmError, algorithmFromDer, oidToString, signatureSchemeOf } from "./algorithms.js";
import {
  assertSingleDerValue,
  bytesEqual,
  children,
  DerError,
  type Tlv,
  tlvBytes,
  tlvContent,
} from "./der.js";
import { formatIp } from "./ip.js";
import { KeyError, parseSpki } from "./keys.js";
import { type NameConstraints, parseNameConstraints } from "./name-constraints.js";
import { formatName } from "./names.js";

export const EXT = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  nameConstraints: "2.5.29.30",
} as const;

export const EKU = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  any: "2.5.29.37.0",
} as const;

export type KeyUsageName =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly";

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** extnValue contents (the DER of the extension's own value). */
  value: Uint8Array;
}

export interface Certificate {
  /** The certificate exactly as received. */
  readonly der: Uint8Array;
  /** The signed part (tbsCertificate), exactly as received. */
  readonly tbs: Uint8Array;
  readonly version: 1 | 2 | 3;
  /** Lowercase hex of the serial number's DER integer content. */
  readonly serialNumber: string;
  readonly subject: string;
  readonly issuer: string;
  /** Name DER: chains link by byte-equal names. */
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKey;
  /** The scheme that verifies this certificate's signature (for an id-RSASSA-PSS issuer key the
   *  verifier uses the rsa_pss_pss_* twin). */
  readonly signatureScheme: SignatureSchemeName;
  readonly signature: Uint8Array;
  readonly isCA: boolean;
  /** basicConstraints pathLenConstraint, undefined when absent (unlimited). */
  readonly pathLen: number | undefined;
  /** undefined when the keyUsage extension is absent (no restriction). */
  readonly keyUsage: KeyUsageName[] | undefined;
  /** extKeyUsage OIDs, undefined when absent. */
  readonly extKeyUsage: string[] | undefined;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly subjectKeyId: Uint8Array | undefined;
  readonly authorityKeyId: Uint8Array | undefined;
  /** RFC 5280 nameConstraints (meaningful on CAs), undefined when absent. */
  readonly nameConstraints: (NameConstraints & { critical: boolean }) | undefined;
  readonly extensions: CertificateExtension[];
  /** OIDs of critical extensions this code does not understand: validation must reject them. */
  readonly unhandledCriticalExtensions: string[];
  readonly selfIssued: boolean;
}

const HANDLED = new Set<string>(Object.values(EXT));

function bad(reason: string, cause?: unknown): TlsAlert {
  return new TlsAlert(AlertDescription.bad_certificate, reason, cause === undefined ? undefined : { cause });
}

function unsupported(reason: string): TlsAlert {
  return new TlsAlert(AlertDescription.unsupported_certificate, reason);
}

/** keyUsage bit 0 (the first BIT STRING bit) onwards, as RFC 5280 §4.2.1.3 numbers them. */
const KEY_USAGE_BITS: KeyUsageName[] = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

/** Parses one DER certificate (copied: callers may reuse their buffers, e.g. a record buffer). */
export function parseCertificate(input: Uint8Array): Certificate {
  const der = new Uint8Array(input);
  let outer: Tlv;
  try {
    outer = assertSingleDerValue(der);
  } catch (e) {
    throw bad(`certificate is not valid DER: ${(e as DerError).message}`, e);
  }
  const top = children(der, outer);
  if (
    outer.tag !== 0x30 ||
    top.length !== 3 ||
    top[0].tag !== 0x30 ||
    top[1].tag !== 0x30 ||
    top[2].tag !== 0x03
  )
    throw bad("certificate is not SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }");
  const tbs = tlvBytes(der, top[0]);
  const tbsParts = children(der, top[0]);
  const hasVersion = tbsParts[0]?.tag === 0xa0;
  const at = hasVersion ? 1 : 0;
  if (tbsParts.length < at + 6) throw bad("tbsCertificate has too few fields");
  const innerSigAlg = tlvBytes(der, tbsParts[at + 1]);
  const spkiBytes = tlvBytes(der, tbsParts[at + 5]);
  if (!bytesEqual(innerSigAlg, tlvBytes(der, top[1])))
    throw bad("tbsCertificate.signature differs from signatureAlgorithm (RFC 5280 §4.1.1.2)");

  const sigBits = tlvContent(der, top[2]);
  if (sigBits.length < 1 || sigBits[0] !== 0) throw bad("signatureValue BIT STRING has unused bits");
  const version = hasVersion ? readVersion(der, tbsParts[0]) : 1;

  const serial = tbsParts[at];
  if (serial.tag !== 0x02 || serial.contentLength === 0) throw bad("serialNumber is not an INTEGER");
  for (const [i, field] of ["signature", "issuer", "validity", "subject", "subjectPublicKeyInfo"].entries())
    if (tbsParts[at + 1 + i].tag !== 0x30) throw bad(`tbsCertificate.${field} is not a SEQUENCE`);
  const issuerDer = tlvBytes(der, tbsParts[at + 2]);
  const subjectDer = tlvBytes(der, tbsParts[at + 4]);
  checkName(der, tbsParts[at + 2], "issuer");
  checkName(der, tbsParts[at + 4], "subject");
  const [notBefore, notAfter] = readValidity(der, tbsParts[at + 3]);
  // issuerUniqueID [1], subjectUniqueID [2], extensions [3]: each optional, in this order.
  let lastRank = 0;
  for (const part of tbsParts.slice(at + 6)) {
    const rank = ({ 129: 1, 130: 2, 163: 3 } as Record<number, number>)[part.tag] ?? 0;
    if (rank <= lastRank)
      throw bad("tbsCertificate has an unknown or misplaced field after subjectPublicKeyInfo");
    lastRank = rank;
  }

  let signatureScheme: SignatureSchemeName;
  let publicKey: PublicKey;
  try {
    signatureScheme = signatureSchemeOf(algorithmFromDer(tlvBytes(der, top[1])));
    publicKey = parseSpki(spkiBytes);
  } catch (e) {
    if ((e instanceof AlgorithmError || e instanceof KeyError) && e.kind === "unsupported")
      throw unsupported(e.message);
    throw bad((e as Error).message, e);
  }

  const extensions: CertificateExtension[] = [];
  const seen = new Set<string>();
  for (const e of readExtensions(der, tbsParts)) {
    if (seen.has(e.oid)) throw bad(`extension ${e.oid} appears twice (RFC 5280 §4.2)`);
    seen.add(e.oid);
    extensions.push(e);
  }
  if (extensions.length && version !== 3) throw bad("extensions in a certificate that is not version 3");
  const ext = (oid: string) => extensions.find((e) => e.oid === oid);
  const parseExt = <T>(oid: string, read: (value: Uint8Array) => T): T | undefined => {
    const e = ext(oid);
    if (!e) return undefined;
    try {
      return read(e.value);
    } catch (err) {
      throw bad(`extension ${oid} does not parse: ${(err as Error).message}`, err);
    }
  };

  const bc = parseExt(EXT.basicConstraints, readBasicConstraints);
  const keyUsage = parseExt(EXT.keyUsage, readKeyUsage);
  const extKeyUsage = parseExt(EXT.extKeyUsage, readExtKeyUsage);
  const subjectKeyId = parseExt(EXT.subjectKeyIdentifier, readSubjectKeyId);
  const authorityKeyId = parseExt(EXT.authorityKeyIdentifier, readAuthorityKeyId);
  const nameConstraints = parseExt(EXT.nameConstraints, parseNameConstraints);
  const san = ext(EXT.subjectAltName);
  const { dnsNames, ipAddresses } = san ? parseSubjectAltName(san.value) : { dnsNames: [], ipAddresses: [] };

  const pathLen = bc?.pathLen;
  if (pathLen !== undefined && (pathLen < 0 || !bc?.cA))
    throw bad("pathLenConstraint without cA, or negative");

  // Names are printed only for people (errors, peerCertificates): rendered on first use by the
  // full ASN.1 parser, so a handshake that never looks does not pay for it.
  let subject: string | undefined;
  let issuer: string | undefined;
  return {
    der,
    tbs,
    version,
    serialNumber: Buffer.from(tlvContent(der, serial)).toString("hex"),
    get subject() {
      subject ??= printName(subjectDer);
      return subject;
    },
    get issuer() {
      issuer ??= printName(issuerDer);
      return issuer;
    },
    subjectDer,
    issuerDer,
    notBefore,
    notAfter,
    publicKey,
    signatureScheme,
    signature: sigBits.subarray(1),
    isCA: bc?.cA ?? false,
    pathLen,
    keyUsage,
    extKeyUsage,
    dnsNames,
    ipAddresses,
    subjectKeyId,
    authorityKeyId,
    nameConstraints: nameConstraints && { ...nameConstraints, critical: ext(EXT.nameConstraints)!.critical },
    extensions,
    unhandledCriticalExtensions: extensions
      .filter((e) => e.critical && !HANDLED.has(e.oid))
      .map((e) => e.oid),
    selfIssued: bytesEqual(issuerDer, subjectDer),
  };
}

/**
 * The extensions, read from the DER: the library renders OID arcs above 2^53 (such as UUID arcs
 * under 2.25) in its own notation, so OIDs are decoded here.
 */
function readExtensions(der: Uint8Array, tbsParts: Tlv[]): CertificateExtension[] {
  const wrapper = tbsParts.find((p) => p.tag === 0xa3);
  if (!wrapper) return [];
  const [list] = children(der, wrapper);
  if (list?.tag !== 0x30) throw bad("extensions are not a SEQUENCE");
  return children(der, list).map((ext) => {
    const parts = children(der, ext);
    const critical = parts.length === 3;
    if (ext.tag !== 0x30 || parts[0]?.tag !== 0x06 || parts.length < 2 || parts.length > 3)
      throw bad("an extension is not SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }");
    if (
      critical &&
      (parts[1].tag !== 0x01 || parts[1].contentLength !== 1 || der[parts[1].start + 2] !== 0xff)
    )
      throw bad("extension critical flag must be an explicit TRUE (DER omits FALSE)");
    const value = parts[parts.length - 1];
    if (value.tag !== 0x04) throw bad("extnValue is not an OCTET STRING");
    let oid: string;
    try {
      oid = oidToString(tlvContent(der, parts[0]));
    } catch (e) {
      throw bad(`extnID: ${(e as Error).message}`, e);
    }
    return { oid, critical, value: tlvContent(der, value).slice() };
  });
}

/** GeneralNames: we read dNSName [2] IA5String and iPAddress [7] OCTET STRING; others are kept out. */
function parseSubjectAltName(value: Uint8Array): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  try {
    const seq = assertSingleDerValue(value);
    if (seq.tag !== 0x30) throw new DerError("subjectAltName is not a SEQUENCE");
    for (const name of children(value, seq)) {
      const content = tlvContent(value, name);
      if (name.tag === 0x82) {
        for (const c of content)
          if (c < 0x20 || c > 0x7e) throw new DerError("dNSName is not printable ASCII");
        dnsNames.push(Buffer.from(content).toString("latin1"));
      } else if (name.tag === 0x87) {
        if (content.length !== 4 && content.length !== 16)
          throw new DerError(`iPAddress of ${content.length} bytes`);
        ipAddresses.push(formatIp(content));
      }
    }
  } catch (e) {
    throw bad(`subjectAltName does not parse: ${(e as Error).message}`, e);
  }
  return { dnsNames, ipAddresses };
}

// ---- the fields, read straight from the DER ----------------------------------------------------
// The handshake parses every certificate the peer sends, and a general ASN.1 library costs more
// than the signature check; these readers take only what validation and TLS use, strictly as DER.

function readVersion(der: Uint8Array, wrapper: Tlv): 1 | 2 | 3 {
  const inner = children(der, wrapper);
  const v = inner.length === 1 && inner[0].tag === 0x02 ? tlvContent(der, inner[0]) : undefined;
  if (v?.length !== 1) throw bad("version is not [0] EXPLICIT INTEGER");
  if (v[0] > 2) throw bad(`unknown certificate version ${v[0]}`);
  return (v[0] + 1) as 1 | 2 | 3;
}

/** Name: SEQUENCE OF SET OF SEQUENCE { type OID, value }; the values are printed lazily. */
function checkName(der: Uint8Array, name: Tlv, which: string): void {
  for (const rdn of children(der, name)) {
    const atvs = rdn.tag === 0x31 ? children(der, rdn) : [];
    if (atvs.length === 0) throw bad(`${which} name has a malformed RelativeDistinguishedName`);
    for (const atv of atvs) {
      const parts = atv.tag === 0x30 ? children(der, atv) : [];
      if (parts.length !== 2 || parts[0].tag !== 0x06 || parts[0].contentLength === 0)
        throw bad(`${which} name has a malformed AttributeTypeAndValue`);
    }
  }
}

function printName(nameDer: Uint8Array): string {
  try {
    return formatName(AsnConvert.parse(nameDer, Name));
  } catch {
    return `(unprintable name ${Buffer.from(nameDer).toString("hex")})`;
  }
}

const digits = (s: string, from: number, n: number): number => {
  const part = s.slice(from, from + n);
  if (!/^\d+$/.test(part) || part.length !== n) throw new Error("not digits");
  return Number(part);
};

/** UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ, the only forms RFC 5280 allows. */
function readTime(der: Uint8Array, t: Tlv): Date {
  const s = Buffer.from(tlvContent(der, t)).toString("latin1");
  try {
    let year: number;
    let at: number;
    if (t.tag === 0x17 && s.length === 13) {
      const yy = digits(s, 0, 2);
      year = yy >= 50 ? 1900 + yy : 2000 + yy;
      at = 2;
    } else if (t.tag === 0x18 && s.length === 15) {
      year = digits(s, 0, 4);
      at = 4;
    } else throw new Error("not a UTCTime or GeneralizedTime of the DER form");
    if (s[s.length - 1] !== "Z") throw new Error("time is not in UTC (Z)");
    const [mo, d, h, mi, sec] = [0, 2, 4, 6, 8].map((o) => digits(s, at + o, 2));
    const date = new Date(Date.UTC(year, mo - 1, d, h, mi, sec));
    if (
      mo < 1 ||
      mo > 12 ||
      date.getUTCDate() !== d ||
      h > 23 ||
      mi > 59 ||
      sec > 59 ||
      date.getUTCFullYear() !== year
    )
      throw new Error(`${s} is not a valid date`);
    return date;
  } catch (e) {
    throw bad(`validity does not parse: ${(e as Error).message}`, e);
  }
}

function readValidity(der: Uint8Array, validity: Tlv): [Date, Date] {
  const times = children(der, validity);
  if (times.length !== 2) throw bad("validity is not SEQUENCE { notBefore, notAfter }");
  return [readTime(der, times[0]), readTime(der, times[1])];
}

/** The single DER value in `value`, of the given tag, and its parts when constructed. */
function single(value: Uint8Array, tag: number, what: string): Tlv {
  const t = assertSingleDerValue(value);
  if (t.tag !== tag) throw new DerError(`${what} has tag 0x${t.tag.toString(16)}`);
  return t;
}

/** A non-negative INTEGER that fits a JS number; -1 for a negative one. */
function readSmallInteger(buf: Uint8Array, t: Tlv): number {
  const c = tlvContent(buf, t);
  if (c.length === 0 || c.length > 6) throw new DerError("INTEGER of unusable length");
  if (c.length > 1 && ((c[0] === 0 && c[1] < 0x80) || (c[0] === 0xff && c[1] >= 0x80)))
    throw new DerError("non-minimal INTEGER");
  if (c[0] & 0x80) return -1;
  let n = 0;
  for (const b of c) n = n * 256 + b;
  return n;
}

function readBasicConstraints(value: Uint8Array): { cA: boolean; pathLen: number | undefined } {
  const parts = children(value, single(value, 0x30, "basicConstraints"));
  let i = 0;
  let cA = false;
  if (parts[i]?.tag === 0x01) {
    const b = tlvContent(value, parts[i++]);
    if (b.length !== 1 || (b[0] !== 0 && b[0] !== 0xff)) throw new DerError("cA is not a DER BOOLEAN");
    cA = b[0] === 0xff;
  }
  let pathLen: number | undefined;
  if (parts[i]?.tag === 0x02) pathLen = readSmallInteger(value, parts[i++]);
  if (i !== parts.length) throw new DerError("unexpected field in basicConstraints");
  return { cA, pathLen };
}

function readKeyUsage(value: Uint8Array): KeyUsageName[] {
  const bits = tlvContent(value, single(value, 0x03, "keyUsage"));
  if (bits.length < 1 || bits[0] > 7 || (bits.length === 1 && bits[0] !== 0))
    throw new DerError("keyUsage is not a valid BIT STRING");
  if (bits[bits.length - 1] & ((1 << bits[0]) - 1)) throw new DerError("keyUsage sets its unused bits");
  return KEY_USAGE_BITS.filter((_, i) => {
    const byte = bits[1 + (i >> 3)];
    return byte !== undefined && (byte & (0x80 >> (i & 7))) !== 0;
  });
}

function readExtKeyUsage(value: Uint8Array): string[] {
  return children(value, single(value, 0x30, "extKeyUsage")).map((p) => {
    if (p.tag !== 0x06) throw new DerError("extKeyUsage holds something other than OIDs");
    return oidToString(tlvContent(value, p));
  });
}

function readSubjectKeyId(value: Uint8Array): Uint8Array {
  return tlvContent(value, single(value, 0x04, "subjectKeyIdentifier")).slice();
}

/** keyIdentifier [0] IMPLICIT OCTET STRING, when present; the issuer/serial alternative is unused. */
function readAuthorityKeyId(value: Uint8Array): Uint8Array | undefined {
  const id = children(value, single(value, 0x30, "authorityKeyIdentifier")).find((p) => p.tag === 0x80);
  return id ? tlvContent(value, id).slice() : undefined;
}
