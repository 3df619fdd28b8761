'use strict'
// Removes raw-string artefacts from the doc comments napi writes into index.d.ts. Doc comments
// of structs declared through a `macro_rules!` macro (craic-node/src/convert.rs `options!`) reach
// napi-derive as raw string literals, and it copies their syntax: `/** r" Neighbours kept per
// user. */`, `/** r#" The strategy (default `"hybrid"`)."# */`. The same bug and fix in tsify:
// https://github.com/madonoharu/tsify/pull/73. Run after `napi build` (package.json scripts).
const fs = require('node:fs')
const path = require('node:path')

const file = path.join(__dirname, '..', 'index.d.ts')
const before = fs.readFileSync(file, 'utf8')
const after = before
  .split('\n')
  .map(line => {
    const m = /^(\s*(?:\/\*\*|\*)) r(#*)"(.*)$/.exec(line)
    if (!m) return line
    const [, lead, hashes, rest] = m
    // The closing quote (and hashes) ends the literal, before ` */` on a one-line comment.
    const close = `"${hashes}`
    const body = rest.endsWith(`${close} */`)
      ? rest.slice(0, -(close.length + 3)) + ' */'
      : rest.endsWith(close) ? rest.slice(0, -close.length) : rest
    return lead + body
  })
  .join('\n')
if (after !== before) fs.writeFileSync(file, after)
