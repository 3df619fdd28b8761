'use strict'
// The package entry: the native module (loaded by napi's generated `index.js`) and the error
// classes it throws. Nothing else lives here: every function is the native one.
const native = require('./index.js')
const errors = require('./errors.js')

native.registerErrorClasses(errors)

module.exports = { ...native, ...errors }
