import { ConfigError } from './errors.js';

/**
 * Reads config for a `main.ts`: a ConfigError prints one line naming the variable
 * and exits non-zero; nothing else has started yet.
 */
export function configOrExit<T>(read: () => T, service: string): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: invalid configuration: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
