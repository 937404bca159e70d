// Validation shared by the file loader and the demo config: schema (Ajv) + cross-field checks,
// then defaults that depend on other keys and path resolution.
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { crossFieldProblems } from './checks.js';
import { ConfigError, formatAjvErrors, sortProblems } from './errors.js';
import { type Config, configSchema } from './schema.js';

const SECTIONS = Object.keys(configSchema.properties as object);
let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  if (validator === undefined) {
    // coerceTypes: YAML is read with the failsafe schema (every scalar is text, so `admdvs: 130102`,
    // `devNo: 0012` or a hex key of digits keep their exact spelling); Ajv turns "8080" into 8080 and
    // "true" into true only where the schema asks for an integer or a boolean.
    const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, verbose: true, strict: true });
    ajv.addKeyword('x-message');
    ajv.addKeyword('x-secret');
    validator = ajv.compile(configSchema);
  }
  return validator;
}

/** Validate a plain object (as YAML would produce it) and finish it into a Config. */
export function buildConfig(raw: unknown, source: string, baseDir: string): Config {
  const data = structuredClone(raw);
  const validate = getValidator();
  const valid = validate(data);
  const problems = valid ? [] : formatAjvErrors(validate.errors ?? []);
  problems.push(...crossFieldProblems(data));
  if (problems.length > 0) throw new ConfigError(source, sortProblems(problems, SECTIONS));

  const config = data as Config;
  config.dataDir = resolve(baseDir, config.dataDir);
  config.video.dir = config.video.dir === undefined ? join(config.dataDir, 'video') : resolve(baseDir, config.video.dir);
  config.store.insuplcAdmdvs ??= config.store.admdvs;
  return config;
}
