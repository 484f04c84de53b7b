// Writes one plain closing line, "tests: N passed, N failed[, N skipped]", to stdout and to
// build/test-summary.txt, so .ci/run can repeat it as the very last line of a CI run. Each
// skipped test is listed above it by its full name, which carries the reason (the tests'
// harness titles a skip "... [skipped: no pyenv Python 3.12]"), so a skip is never silent.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor() {
    this.skipped = [];
  }

  onTestResult(_test, result) {
    for (const t of result.testResults) if (t.status === 'pending' || t.status === 'todo') this.skipped.push(`skipped: ${t.fullName}\n`);
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
    const text = [...this.skipped.sort(), line].join('');
    process.stdout.write(text);
    const dir = join(__dirname, '..', 'build');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'test-summary.txt'), text);
  }
}
module.exports = SummaryReporter;
