import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM certificate and key on disk (for the server's env) and in memory (for clients). */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
  /** SHA-256 of the DER, lowercase hex without colons: the seed's certSha256. */
  readonly sha256: string;
}

export interface TestPki {
  readonly dir: string;
  newCa(name: string): CertificateFiles;
  /**
   * A leaf certificate signed by `ca`: a server (SAN 127.0.0.1, localhost) or a client. `options` makes the
   * bad ones a server must refuse: `validDays: -1` expired a day ago; `extendedKeyUsage` overrides the usage's
   * own (a "client" certificate good only for serverAuth).
   */
  issue(ca: CertificateFiles, name: string, usage: 'server' | 'client', options?: IssueOptions): CertificateFiles;
  cleanup(): void;
}

export interface IssueOptions {
  readonly validDays?: number;
  readonly extendedKeyUsage?: 'serverAuth' | 'clientAuth';
}

/**
 * Certificates made at test time with the openssl CLI, in a temp directory
 * removed afterwards: no private key is ever committed. EC P-256 keeps it fast.
 */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const files = (name: string): CertificateFiles => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    const cert = readFileSync(certFile, 'utf8');
    return { certFile, keyFile, cert, key: readFileSync(keyFile, 'utf8'), sha256: fingerprintOf(cert) };
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

  return {
    dir,
    newCa(name) {
      openssl('req', '-x509', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
      return files(name);
    },
    issue(ca, name, usage, options = {}) {
      const extensions = join(dir, `${name}.ext`);
      const extendedKeyUsage = options.extendedKeyUsage ?? (usage === 'server' ? 'serverAuth' : 'clientAuth');
      writeFileSync(
        extensions,
        usage === 'server'
          ? `subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=${extendedKeyUsage}\n`
          : `extendedKeyUsage=${extendedKeyUsage}\n`,
      );
      openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', String(Date.now()),
        '-days', String(options.validDays ?? 2), '-out', `${name}.crt`, '-extfile', extensions);
      return files(name);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
}
