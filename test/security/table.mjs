// A node:test reporter for the security suite: one row per hostile case of test/security/, grouped
// by boundary (the describe block), with the expected outcome (what follows "→" in the test's name)
// and whether it held. Other tests of the same run are left to the spec reporter beside it.
const SECURITY_FILE = /[\\/]test[\\/]security[\\/][^\\/]+\.test\.ts$/;

function row(boundary, name, result) {
  const [input, expected = ''] = name.split(' → ');
  return { boundary, input, expected, result };
}

function table(rows) {
  const cell = (text) => text.replaceAll('|', '\\|');
  const lines = ['', '## Security suite', '', '| boundary | hostile input | expected outcome | result |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${cell(r.boundary)} | ${cell(r.input)} | ${cell(r.expected)} | ${r.result} |`);
  const failed = rows.filter((r) => r.result !== 'held').length;
  lines.push('', `${rows.length} cases, ${rows.length - failed} held, ${failed} failed.`, '');
  return lines.join('\n');
}

export default async function* securityTable(source) {
  const rows = [];
  const open = new Map();
  for await (const event of source) {
    const { data } = event;
    if (!data?.file || !SECURITY_FILE.test(data.file)) continue;
    const stack = open.get(data.file) ?? [];
    open.set(data.file, stack);
    if (event.type === 'test:start') stack[data.nesting] = data.name;
    if ((event.type === 'test:pass' || event.type === 'test:fail') && data.details?.type !== 'suite' && data.nesting > 0) {
      const result = event.type === 'test:pass' ? (data.skip ? 'SKIPPED' : 'held') : 'FAILED';
      rows.push(row(stack[0] ?? '', data.name, result));
    }
  }
  if (rows.length > 0) yield table(rows);
}
