// Public surface of config/: only the composition root should call loadConfig.
export * from './schema.js';
export { ConfigError } from './errors.js';
export { parseConfig, loadConfig, CONFIG_ENV, DEFAULT_DEMO_DATA_DIR, type LoadOptions, type LoadedConfig } from './load.js';
export { demoConfig } from './demo.js';
