// Validates an AsyncAPI document with the official parser (schema, references, Spectral rules).
// Usage: node validate.mjs <document.yaml>. Exit 0: valid; 1: an error-severity diagnostic or no
// document; 2: usage or I/O error. Warnings are printed but do not fail.
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const SEVERITY = ['error', 'warning', 'info', 'hint'];

async function main(path) {
  if (!path) {
    console.error('usage: node validate.mjs <asyncapi document>');
    return 2;
  }
  const source = await readFile(path, 'utf8');
  const parser = new Parser();
  const { document, diagnostics } = await parser.parse(source, { source: path });
  let errors = 0;
  for (const d of diagnostics) {
    const severity = SEVERITY[d.severity] ?? String(d.severity);
    if (d.severity === 0) errors += 1;
    const where = (d.path ?? []).join('.');
    console.log(`${severity} ${d.code} at ${where || '(root)'}: ${d.message}`);
  }
  if (errors > 0 || document === undefined) {
    console.log(`INVALID: ${path} (${errors} error(s))`);
    return 1;
  }
  const channels = document.channels().length;
  const messages = document.components().messages().length;
  console.log(`VALID: ${path} (AsyncAPI ${document.version()}, ${channels} channels, ${messages} messages)`);
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err?.stack ?? String(err));
    process.exit(2);
  },
);
