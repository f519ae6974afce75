// Redaction for anything stored, logged or shown: one rule for what a secret's
// name looks like, used for drift fields (lib/core/drift/redact.ts), action argv,
// headers and URLs, and connection URLs shown by the config API and `vigil up`.
export const REDACTED = '[redacted]';

/**
 * A name that holds a secret: pass/passwd/password/passphrase, secret, token,
 * api key, private key, auth (authorization, oauth…), credential(s), in any case
 * and with `-`, `_` or nothing between words. Broad on purpose: masking a harmless
 * value costs less than showing a secret.
 */
const SECRET_NAME = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|auth|credential)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `--password x`, `--token=x`, `PASSWORD=x`: the value goes, the name stays. */
export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((arg, index) => {
    const assignment = /^(-{0,2}[\w.-]+)=(.*)$/.exec(arg);
    if (assignment && isSecretName(assignment[1])) return `${assignment[1]}=${REDACTED}`;
    const previous = argv[index - 1];
    if (previous && /^--?[\w.-]+$/.test(previous) && isSecretName(previous)) return REDACTED;
    return arg;
  });
}

/**
 * A URL's password and secret-looking query parameters masked. A URL that does
 * not parse is not shown at all: where its password is cannot be told.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(unparseable URL)';
  }
  if (parsed.password) parsed.password = REDACTED;
  for (const key of [...parsed.searchParams.keys()]) if (isSecretName(key)) parsed.searchParams.set(key, REDACTED);
  // The URL encodes the mask's brackets; shown to people, it reads better as written.
  return parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

export function redactHeaders(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSecretName(name) || /^cookie$/i.test(name) ? REDACTED : value]));
}
