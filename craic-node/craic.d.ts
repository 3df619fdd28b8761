// Types of the package entry: everything the native module exports (generated `index.d.ts`)
// and the error classes (`errors.d.ts`).
export * from './index'
export * from './errors'
