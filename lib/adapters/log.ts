// Structured JSON logs (pino, as Fastify uses). Secrets are redacted by path.
import pino from 'pino';

export type Logger = pino.Logger;

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.value',
  'config.auth.tokens[*].value',
  'config.database.url',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'vigil' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
