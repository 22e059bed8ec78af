// The schema-evolution step of `make test`: compares graphql/schema.graphql with
// the last released SDL (graphql/released/schema.graphql) using GraphQL
// Inspector, and fails on a BREAKING change unless graphql/released/
// intended-breaking.txt lists it (one change per line, as printed below).
// Dangerous and safe changes pass (and are listed).
//
//   node check.mjs [RELEASED CURRENT INTENDED]   # defaults: the files above
//   node check.mjs --self-test                   # proves a removed field fails

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema, parse, print, visit } from 'graphql';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULTS = [
  'graphql/released/schema.graphql',
  'graphql/schema.graphql',
  'graphql/released/intended-breaking.txt',
].map((p) => path.join(ROOT, p));

/** The changes of `current` against `released`, and the breaking ones not listed in `intended`. */
export async function check(released, current, intended) {
  const changes = await diff(buildSchema(released), buildSchema(current));
  const listed = new Set(
    intended
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  return { changes, unintended: breaking.filter((c) => !listed.has(c.message)) };
}

function report({ changes, unintended }) {
  for (const c of changes) {
    const mark = c.criticality.level === CriticalityLevel.Breaking ? (unintended.includes(c) ? 'BREAKING' : 'intended') : c.criticality.level.toLowerCase();
    console.log(`  ${mark.padEnd(10)} ${c.message}`);
  }
  if (changes.length === 0) console.log('  no change since the last release');
}

/** `sdl` without the field `field` of type `type`. */
function withoutField(sdl, type, field) {
  const doc = visit(parse(sdl), {
    ObjectTypeDefinition(node) {
      if (node.name.value !== type) return undefined;
      return { ...node, fields: node.fields.filter((f) => f.name.value !== field) };
    },
  });
  return print(doc);
}

async function selfTest() {
  const released = readFileSync(DEFAULTS[0], 'utf8');
  const removed = withoutField(released, 'Query', 'eventCursor');
  const message = "Field 'eventCursor' was removed from object type 'Query'";
  const a = await check(released, removed, '');
  if (!a.unintended.some((c) => c.message === message)) throw new Error(`self-test: a removed field was not reported as breaking`);
  const b = await check(released, removed, `# intended\n${message}\n`);
  if (b.unintended.length !== 0) throw new Error('self-test: a listed breaking change still failed');
  const added = `${released}\nextend type Query { selfTestAddition(first: Int): String }\n`;
  const c = await check(released, added, '');
  if (c.unintended.length !== 0 || c.changes.length !== 1) throw new Error('self-test: an added optional field failed');
  console.log('self-test: a removed field fails, unless listed as intended; an added field passes');
}

if (process.argv[2] === '--self-test') {
  await selfTest();
} else {
  const [released, current, intended] = process.argv.length > 2 ? process.argv.slice(2) : DEFAULTS;
  const result = await check(readFileSync(released, 'utf8'), readFileSync(current, 'utf8'), readFileSync(intended, 'utf8'));
  console.log(`${path.relative(ROOT, current)} against ${path.relative(ROOT, released)}:`);
  report(result);
  if (result.unintended.length) {
    console.error(
      `\n${result.unintended.length} breaking change(s) not marked as intended. Keep the old field (deprecate it with ` +
        `@deprecated(reason: "...")), or, if the break is meant, add the line(s) above to ${path.relative(ROOT, intended)}.`,
    );
    process.exit(1);
  }
}
