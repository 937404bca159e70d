// The single executable's entry (built by scripts/package/build.mjs with pkg): file: URLs for pkg's virtual
// file system, native addons from COUNTER_AGENT_NATIVE_DIR (default native/ beside the executable), then the
// same CLI as bin/counter-agent.js.
import './vfs-url.mjs';
import { installNativeLoader, nativeDir } from '../../dist/agent/native.js';

installNativeLoader(nativeDir());
let cli;
try {
  // Imported only now: serialport loads its addon as soon as it is imported.
  cli = await import('../../dist/agent/cli/main.js');
} catch (err) {
  // A missing or broken addon: one line that names the file, not a stack trace.
  console.error(`counter-agent: ${err.message}`);
  process.exit(2);
}
process.exitCode = await cli.runCli(process.argv.slice(2));
