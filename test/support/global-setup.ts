import { installHint, missingTools, toolsRequired } from './external-tools.ts';

/**
 * Says, before and after the run, which tests were skipped because promtool, amtool, Prometheus
 * or Alertmanager are not installed here (test/support/external-tools.ts), and how to get them.
 */
export default function setup(): () => void {
  const missing = missingTools();
  if (missing.length === 0) return () => undefined;
  const notice = toolsRequired()
    ? `\ncxprobe: ${missing.join(', ')} not found and CI requires them: their tests will fail. ` +
      `Install with: ${installHint(missing)}\n`
    : `\ncxprobe: SKIPPING the tests that need ${missing.join(', ')} (not installed). ` +
      `To run them too: ${installHint(missing)} (as root), as .ci/run does.\n`;
  process.stderr.write(notice);
  return () => process.stderr.write(notice);
}
