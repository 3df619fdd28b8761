'use strict'
// Runs the README's Node quickstart as written (its `require('craic')` resolves to this package).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const craic = require('..')

test('the README Node quickstart runs as written', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8')
  const section = readme.split('## Quickstart (Node.js)')[1]
  assert.ok(section, 'README has a Node quickstart')
  const code = section.split('```js\n')[1].split('```')[0]
  const logged = []
  const run = new Function('require', 'assert', 'console', `return (async () => {\n${code}\n})()`) // eslint-disable-line no-new-func
  // `require('craic')` resolves to this package; Node's own modules (node:fs, ...) as usual.
  const fakeRequire = (name) => name === 'craic' ? craic : require(name)
  await run(fakeRequire, assert, { log: (...args) => logged.push(args) })
  assert.equal(logged.length, 1)
  assert.equal(logged[0][0][0][0], 'trad')
})
