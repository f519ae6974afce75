// Redaction for anything stored, logged or shown: secrets in argv, URLs and headers.
const SECRET_NAME = /(pass(word)?|secret|token|api[-_]?key|auth|credential)/i;
const MASK = '[redacted]';

/** `--password x`, `--token=x`, `PASSWORD=x`: the value goes, the name stays. */
export function redactArgv(argv: string[]): string[] {
  return argv.map((arg, index) => {
    const assignment = /^(-{0,2}[\w.-]+)=(.*)$/.exec(arg);
    if (assignment && SECRET_NAME.test(assignment[1])) return `${assignment[1]}=${MASK}`;
    const previous = argv[index - 1];
    if (previous && /^--?[\w.-]+$/.test(previous) && SECRET_NAME.test(previous)) return MASK;
    return arg;
  });
}

/** Passwords in URLs and secret-looking query parameters. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    for (const key of [...parsed.searchParams.keys()]) if (SECRET_NAME.test(key)) parsed.searchParams.set(key, MASK);
    return parsed.toString();
  } catch {
    return url;
  }
}

export function redactHeaders(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_NAME.test(name) || /^cookie$/i.test(name) ? MASK : value]));
}
