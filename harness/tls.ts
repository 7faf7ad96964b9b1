import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

export interface Certificate {
  key: string
  cert: string
  keyFile: string
  certFile: string
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost, written into `dir` (key.pem, cert.pem):
 * what a local HTTPS stand-in needs, and what a client trusts through SSL_CERT_FILE or NODE_EXTRA_CA_CERTS.
 * `dnsNames` adds more names to its subjectAltName, such as the `*.proxied.test` names a test sends through
 * the forward proxy (harness/proxy.ts).
 */
export async function selfSignedCertificate(dir: string, dnsNames: string[] = []): Promise<Certificate> {
  for (const name of dnsNames) {
    if (!/^[A-Za-z0-9.*-]+$/.test(name)) throw new Error(`not a DNS name for a certificate: ${name}`)
  }
  const altNames = ['IP:127.0.0.1', 'DNS:localhost', ...dnsNames.map((name) => `DNS:${name}`)]
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    `subjectAltName=${altNames.join(',')}`,
    '-keyout',
    keyFile,
    '-out',
    certFile
  ])
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), keyFile, certFile }
}
