// Writes one plain closing line, "tests: N passed, N failed[, N skipped]", to stdout and to
// build/test-summary.txt, so .ci/run can repeat it as the very last line of a CI run.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
    process.stdout.write(line);
    const dir = join(__dirname, '..', 'build');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'test-summary.txt'), line);
  }
}
module.exports = SummaryReporter;
