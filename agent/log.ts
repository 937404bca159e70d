import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Structured JSON logs on stdout (journald keeps them). Never log an ID number unmasked: use maskId. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { service: 'counter-agent' }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? process.stdout);
}

/** 130102198001011234 -> 1301**********1234 */
export function maskId(id: string): string {
  return id.length <= 8 ? '*'.repeat(id.length) : `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
}
