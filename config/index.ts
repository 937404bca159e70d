// Public surface of config/: only the composition root should call loadConfig.

export { demoConfig } from './demo.js';
export { ConfigError } from './errors.js';
export { CONFIG_ENV, DEFAULT_DEMO_DATA_DIR, type LoadedConfig, type LoadOptions, loadConfig, parseConfig } from './load.js';
export * from './schema.js';
