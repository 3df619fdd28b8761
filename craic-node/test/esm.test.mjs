// The ES module entry gives the same objects as the CommonJS one.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import craic, * as named from '../craic.mjs'
import { Engine, NotFoundError } from '../craic.mjs'

test('import craic from "craic" works and matches require("craic")', () => {
  const cjs = createRequire(import.meta.url)('../craic.js')
  assert.equal(craic, cjs)
  assert.equal(Engine, cjs.Engine)
  assert.equal(NotFoundError, cjs.NotFoundError)
  const internal = new Set(['registerErrorClasses', '__napiBindingTarget'])
  for (const name of Object.keys(cjs).filter(n => !internal.has(n))) {
    assert.equal(named[name], cjs[name], `craic.mjs exports ${name}`)
  }
  const engine = new Engine()
  assert.throws(() => engine.removeItems(['x']), (e) => e instanceof NotFoundError && e.code === 'CRAIC_UNKNOWN_ITEM')
})
