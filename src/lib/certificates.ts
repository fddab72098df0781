// X.509 certificates and private keys that real TLS stacks accept: a certificate authority of its own, certificates
// it issues for servers and clients, and self-signed ones. EC P-256 keys (made by Node's WebCrypto in well under a
// millisecond) signed with ECDSA-SHA256; certificates built by pkijs, which needs no polyfill and is loaded on first
// use only, so a start that never makes a certificate does not pay for importing it. PEM out: certificates as
// `CERTIFICATE`, private keys as PKCS#8 `PRIVATE KEY`, what OpenSSL, Node, Python and Java all read.
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

type Pkijs = typeof import('pkijs');
type Asn1js = typeof import('asn1js');
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type RelativeDistinguishedNames = InstanceType<Pkijs['RelativeDistinguishedNames']>;

/** A certificate and its private key, in PEM. */
export interface CertificateAndKey {
  readonly cert: string;
  readonly key: string;
}

/** What a certificate is for: its extended key usage, and for a server the names clients reach it by. */
export interface CertificateProfile {
  /** The subject's common name. */
  readonly commonName: string;
  /** The subject's organizational unit, when given (at most 64 characters, as X.520 bounds it). */
  readonly unit?: string | undefined;
  /** `server`: TLS server authentication; `client`: TLS client authentication. */
  readonly usage: 'server' | 'client';
  /** Host names and IP addresses (v4 or v6) the certificate names as subject alternative names. */
  readonly hosts?: readonly string[];
}

/** When certificates are valid. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** A certificate authority: its certificate, its private key, and what issues certificates under it. */
export interface CertificateAuthority extends CertificateAndKey {
  issue(profile: CertificateProfile): Promise<CertificateAndKey>;
}

/** The organization every subject names, so that a certificate says where it came from. */
const ORGANIZATION = 'sms-mock';
const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest common name or organizational unit X.520 allows. */
const NAME_MAX = 64;

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;

const OID = {
  commonName: '2.5.4.3',
  organizationalUnit: '2.5.4.11',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** KeyUsage bits as DER writes them (bit 0 is the first byte's top bit): one byte, with its unused low bits. */
const KEY_USAGE = {
  /** digitalSignature: what an ECDSA key does in a TLS handshake. */
  leaf: { byte: 0x80, unusedBits: 7 },
  /** keyCertSign and cRLSign: what a CA's key does. */
  authority: { byte: 0x06, unusedBits: 1 },
  /** digitalSignature and keyCertSign: a self-signed certificate is its own issuer. */
  selfSigned: { byte: 0x84, unusedBits: 2 },
} as const;

/**
 * Valid from a day before now (a peer whose clock runs behind still accepts them) for ten years: certificates kept in
 * a database file are served again by later runs. TLS peers check these dates against their own system clock, so
 * they come from the system clock, not the mock clock.
 */
export function defaultValidity(now = new Date()): Validity {
  return { notBefore: new Date(now.getTime() - DAY_MS), notAfter: new Date(now.getTime() + 3650 * DAY_MS) };
}

let libraries: Promise<{ pkijs: Pkijs; asn1js: Asn1js }> | undefined;

/** pkijs and asn1js, imported on the first certificate. */
function load(): Promise<{ pkijs: Pkijs; asn1js: Asn1js }> {
  libraries ??= Promise.all([import('pkijs'), import('asn1js')]).then(([pkijs, asn1js]) => ({ pkijs, asn1js }));
  return libraries;
}

/** Node's WebCrypto as pkijs's engine, handed to each call: pkijs's global engine is left to whoever else uses it. */
let engine: InstanceType<Pkijs['CryptoEngine']> | undefined;

function engineOf(pkijs: Pkijs): InstanceType<Pkijs['CryptoEngine']> {
  engine ??= new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as never });
  return engine;
}

function newKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function pem(der: ArrayBuffer | Uint8Array, label: string): string {
  const lines = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der))
    .toString('base64')
    .match(/.{1,64}/g);
  return `-----BEGIN ${label}-----\n${(lines ?? []).join('\n')}\n-----END ${label}-----\n`;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** 16 random bytes, positive (top bit clear) and never starting with a zero byte, as RFC 5280 wants a serial. */
function serialNumber(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40;
  return new Uint8Array(bytes);
}

/**
 * O=sms-mock, then OU when given, then CN, each a relative distinguished name of its own (pkijs would put attributes
 * built from scratch in one multi-valued RDN, which prints as `O=sms-mock + CN=...`).
 */
function subjectName(
  { pkijs, asn1js }: { pkijs: Pkijs; asn1js: Asn1js },
  commonName: string,
  unit: string | undefined,
): RelativeDistinguishedNames {
  const attributes: [string, string][] = [[OID.organization, ORGANIZATION]];
  if (unit !== undefined && unit !== '') attributes.push([OID.organizationalUnit, unit]);
  attributes.push([OID.commonName, commonName]);
  const sequence = new asn1js.Sequence({
    value: attributes.map(
      ([type, value]) =>
        new asn1js.Set({
          value: [
            new pkijs.AttributeTypeAndValue({
              type,
              value: new asn1js.Utf8String({ value: value.slice(0, NAME_MAX) }),
            }).toSchema(),
          ],
        }),
    ),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(sequence.toBER(false));
}

/** An IPv4 or IPv6 literal as the 4 or 16 bytes an iPAddress name holds. */
export function ipBytes(ip: string): Uint8Array {
  if (isIPv4(ip)) return new Uint8Array(ip.split('.').map(Number));
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(bare)) throw new TypeError(`not an IP address: ${ip}`);
  // An embedded IPv4 tail (::ffff:1.2.3.4) as two groups, then '::' widened to the zero groups it stands for.
  const withoutV4 = bare.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a, b, c, d) => {
    const hex = (x: string, y: string) => ((Number(x) << 8) | Number(y)).toString(16);
    return `${hex(a, b)}:${hex(c, d)}`;
  });
  const [head = '', tail] = withoutV4.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The SHA-1 of the public key's bits: the key identifier RFC 5280 suggests, which ties a certificate to its issuer. */
function keyIdentifier(certificate: InstanceType<Pkijs['Certificate']>): Uint8Array {
  const bits = certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  return new Uint8Array(createHash('sha1').update(bits).digest());
}

interface Issuer {
  readonly name: RelativeDistinguishedNames;
  readonly key: CryptoKey;
  readonly keyIdentifier: Uint8Array;
}

interface Draft {
  readonly subject: RelativeDistinguishedNames;
  readonly keys: CryptoKeyPair;
  /** Undefined: self-signed. */
  readonly issuer: Issuer | undefined;
  /**
   * `authority`: a CA's certificate; `leaf`: one a CA issues; `selfSigned`: a server's or client's certificate that
   * is its own CA (CA:TRUE and keyCertSign, the form every TLS stack accepts as a trust anchor).
   */
  readonly kind: keyof typeof KEY_USAGE;
  readonly profile: CertificateProfile | undefined;
  readonly validity: Validity;
}

async function build(draft: Draft): Promise<InstanceType<Pkijs['Certificate']>> {
  const libs = await load();
  const { pkijs, asn1js } = libs;
  const crypto = engineOf(pkijs);
  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ valueHex: serialNumber() });
  certificate.subject = draft.subject;
  certificate.issuer = draft.issuer?.name ?? draft.subject;
  // UTCTime up to 2049, GeneralizedTime from 2050, as RFC 5280 requires.
  const time = (date: Date) => new pkijs.Time({ type: date.getUTCFullYear() < 2050 ? 0 : 1, value: date });
  certificate.notBefore = time(draft.validity.notBefore);
  certificate.notAfter = time(draft.validity.notAfter);
  await certificate.subjectPublicKeyInfo.importKey(draft.keys.publicKey as never, crypto);

  const ownKeyIdentifier = keyIdentifier(certificate);
  const extension = (extnID: string, critical: boolean, value: { toBER(sizeOnly?: boolean): ArrayBuffer }) =>
    new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
  const usage = KEY_USAGE[draft.kind];
  const constraints =
    draft.kind === 'leaf'
      ? new pkijs.BasicConstraints({ cA: false })
      : new pkijs.BasicConstraints({ cA: true, pathLenConstraint: 0 });
  const extensions = [
    extension(OID.basicConstraints, true, constraints.toSchema()),
    extension(
      OID.keyUsage,
      true,
      new asn1js.BitString({ valueHex: new Uint8Array([usage.byte]), unusedBits: usage.unusedBits }),
    ),
    extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ownKeyIdentifier })),
    extension(
      OID.authorityKeyIdentifier,
      false,
      new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: draft.issuer?.keyIdentifier ?? ownKeyIdentifier }),
      }).toSchema(),
    ),
  ];
  const profile = draft.profile;
  if (profile !== undefined) {
    const purpose = profile.usage === 'server' ? OID.serverAuth : OID.clientAuth;
    extensions.push(extension(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [purpose] }).toSchema()));
    const hosts = [...new Set(profile.hosts ?? [])];
    if (hosts.length > 0) {
      const altNames = hosts.map((host) =>
        isIPv4(host) || isIPv6(host.replace(/^\[|\]$/g, '').replace(/%.*$/, ''))
          ? new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: ipBytes(host) }) })
          : new pkijs.GeneralName({ type: 2, value: host }),
      );
      extensions.push(extension(OID.subjectAltName, false, new pkijs.AltName({ altNames }).toSchema()));
    }
  }
  certificate.extensions = extensions;
  await certificate.sign((draft.issuer?.key ?? draft.keys.privateKey) as never, 'SHA-256', crypto);
  return certificate;
}

function certificatePem(certificate: InstanceType<Pkijs['Certificate']>): string {
  return pem(certificate.toSchema(true).toBER(false), 'CERTIFICATE');
}

/** A new certificate authority: a self-signed CA certificate (path length 0) and its key, ready to issue. */
export async function createAuthority(
  commonName: string,
  { unit, validity = defaultValidity() }: { unit?: string | undefined; validity?: Validity } = {},
): Promise<CertificateAuthority> {
  const libs = await load();
  const keys = await newKeyPair();
  const subject = subjectName(libs, commonName, unit);
  const certificate = await build({
    subject,
    keys,
    issuer: undefined,
    kind: 'authority',
    profile: undefined,
    validity,
  });
  const issuer: Issuer = { name: subject, key: keys.privateKey, keyIdentifier: keyIdentifier(certificate) };
  return {
    cert: certificatePem(certificate),
    key: await privateKeyPem(keys.privateKey),
    async issue(profile) {
      const leafKeys = await newKeyPair();
      const leaf = await build({
        subject: subjectName(libs, profile.commonName, profile.unit),
        keys: leafKeys,
        issuer,
        kind: 'leaf',
        profile,
        validity,
      });
      return { cert: certificatePem(leaf), key: await privateKeyPem(leafKeys.privateKey) };
    },
  };
}

/** A self-signed certificate and its key: a peer trusts it by trusting that very certificate. */
export async function createSelfSigned(
  profile: CertificateProfile,
  { validity = defaultValidity() }: { validity?: Validity } = {},
): Promise<CertificateAndKey> {
  const libs = await load();
  const keys = await newKeyPair();
  const subject = subjectName(libs, profile.commonName, profile.unit);
  const certificate = await build({ subject, keys, issuer: undefined, kind: 'selfSigned', profile, validity });
  return { cert: certificatePem(certificate), key: await privateKeyPem(keys.privateKey) };
}
